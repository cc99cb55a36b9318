package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RetentionStore;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link RetentionStore} on a relational database through {@code JdbcClient}.
 * <p>
 * Instances are not elected to delete: every instance may delete at once, and each batch
 * is safe to run twice. A batch first picks its candidates without locking them (the
 * oldest finished runs past the cutoff, by the {@code (status, finished_at)} index),
 * then, in one transaction, locks those still finished and past the cutoff with
 * {@code FOR UPDATE SKIP LOCKED} and deletes only the rows of the runs it locked. A run
 * another instance holds is skipped, so two instances never delete, or count, the same
 * row, and neither waits on the other. A lease row would give the same one-at-a-time
 * guarantee but needs expiry and renewal of its own, and an instance that dies holding it
 * stalls deletion until it expires; a skipped lock is released by the database the moment
 * its holder's transaction ends. The cutoff is computed by the database ({@code ${now}}),
 * so instances whose clocks differ agree on it.
 * <p>
 * The candidate query checks that no unfinished run is linked to the run through
 * {@code bj_invocations} and, for a failed run, that its dead letter is published. Those
 * checks are not repeated under the lock: a finished run's links can only change when a
 * failed child or parent is replayed in the milliseconds between the two statements, and
 * then the worst case is that a replayed parent starts its child again.
 */
public class JdbcRetentionStore implements RetentionStore {

	/**
	 * Largest batch: the ids of a batch are bound in {@code IN} lists.
	 */
	public static final int MAX_BATCH_SIZE = JdbcStoreSupport.MAX_LIST_SIZE;

	// The statuses of unfinished runs, which are few: an index on status finds them
	// without reading the finished ones.
	private static final String UNFINISHED = "'DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING'";

	// :offsetMillis is minus the age: ${now + offsetMillis} is the cutoff.
	private static final String SELECT_RUNS = """
			SELECT r.run_id FROM bj_runs r
			WHERE r.status = :status AND r.finished_at < ${now + offsetMillis}
				AND NOT EXISTS (SELECT 1 FROM bj_invocations i JOIN bj_runs c ON c.run_id = i.child_run_id
					WHERE i.parent_run_id = r.run_id AND c.status IN (%1$s))
				AND NOT EXISTS (SELECT 1 FROM bj_invocations i JOIN bj_runs p ON p.run_id = i.parent_run_id
					WHERE i.child_run_id = r.run_id AND p.status IN (%1$s))
				AND NOT EXISTS (SELECT 1 FROM bj_dead_letters d WHERE d.id = r.run_id AND d.publish_pending = 1)
			ORDER BY r.finished_at
			LIMIT :limit
			""".formatted(UNFINISHED);

	private static final String LOCK_RUNS = """
			SELECT run_id FROM bj_runs
			WHERE run_id IN (:ids) AND status = :status AND finished_at < ${now + offsetMillis}
			FOR UPDATE SKIP LOCKED
			""";

	private static final String DELETE_STEPS = "DELETE FROM bj_steps WHERE run_id IN (:ids)";

	private static final String DELETE_EVENT_WAITS = "DELETE FROM bj_event_waits WHERE run_id IN (:ids)";

	private static final String DELETE_CANCEL_KEYS = "DELETE FROM bj_cancel_keys WHERE run_id IN (:ids)";

	private static final String DELETE_BATCH_EVENTS = "DELETE FROM bj_batch_events WHERE batch_run_id IN (:ids)";

	private static final String DELETE_INVOCATIONS_OF_CHILDREN = "DELETE FROM bj_invocations WHERE child_run_id IN (:ids)";

	private static final String DELETE_INVOCATIONS_OF_PARENTS = "DELETE FROM bj_invocations WHERE parent_run_id IN (:ids)";

	private static final String DELETE_DEAD_LETTERS_OF_RUNS = """
			DELETE FROM bj_dead_letters WHERE id IN (:ids) AND publish_pending = 0
			""";

	private static final String DELETE_RUNS = "DELETE FROM bj_runs WHERE run_id IN (:ids)";

	private static final String SELECT_ENDED_GATES = """
			SELECT gate_key FROM bj_intake_gates WHERE window_end < ${now} LIMIT :limit
			""";

	// Checks the end again: a window reopened since the select is kept.
	private static final String DELETE_ENDED_GATES = """
			DELETE FROM bj_intake_gates WHERE gate_key IN (:ids) AND window_end < ${now}
			""";

	private static final String SELECT_PASSED_THROTTLES = """
			SELECT throttle_key FROM bj_throttles WHERE next_start < ${now} LIMIT :limit
			""";

	// Checks the time again: a key a run advanced since the select is kept.
	private static final String DELETE_PASSED_THROTTLES = """
			DELETE FROM bj_throttles WHERE throttle_key IN (:ids) AND next_start < ${now}
			""";

	private static final String SELECT_PASSED_DEBOUNCES = """
			SELECT debounce_key FROM bj_debounces WHERE wake_at < ${now} LIMIT :limit
			""";

	// Checks the time again: a key a new event moved since the select is kept.
	private static final String DELETE_PASSED_DEBOUNCES = """
			DELETE FROM bj_debounces WHERE debounce_key IN (:ids) AND wake_at < ${now}
			""";

	// The run is checked again under the row's lock: a key claimed since the select is
	// kept.
	private static final String DELETE_RELEASED_SINGLETON_KEYS = """
			DELETE FROM bj_singleton_keys WHERE singleton_key IN (:ids)
				AND NOT EXISTS (SELECT 1 FROM bj_runs r WHERE r.run_id = bj_singleton_keys.run_id)
			""";

	private static final String SELECT_RELEASED_SINGLETON_KEYS = """
			SELECT k.singleton_key FROM bj_singleton_keys k
			WHERE NOT EXISTS (SELECT 1 FROM bj_runs r WHERE r.run_id = k.run_id)
			LIMIT :limit
			""";

	private static final String SELECT_IDLE_CONCURRENCY_KEYS = """
			SELECT k.key_hash FROM bj_concurrency_keys k
			WHERE NOT EXISTS (SELECT 1 FROM bj_runs r WHERE r.concurrency_key = k.key_hash
					AND r.status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING'))
			LIMIT :limit
			""";

	// Checked again: a key whose run was recorded since the select is kept. A key deleted
	// just after an admission used it is inserted again by the next one.
	private static final String DELETE_IDLE_CONCURRENCY_KEYS = """
			DELETE FROM bj_concurrency_keys WHERE key_hash IN (:ids)
				AND NOT EXISTS (SELECT 1 FROM bj_runs r WHERE r.concurrency_key = bj_concurrency_keys.key_hash
					AND r.status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING'))
			""";

	private static final String SELECT_DEAD_LETTERS = """
			SELECT d.id FROM bj_dead_letters d
			WHERE d.publish_pending = 0 AND d.created_at < ${now + offsetMillis}
				AND (d.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM bj_runs r WHERE r.run_id = d.run_id))
			ORDER BY d.created_at
			LIMIT :limit
			""";

	private static final String LOCK_DEAD_LETTERS = """
			SELECT id FROM bj_dead_letters WHERE id IN (:ids) AND publish_pending = 0
			FOR UPDATE SKIP LOCKED
			""";

	private static final String DELETE_DEAD_LETTERS = "DELETE FROM bj_dead_letters WHERE id IN (:ids)";

	private final JdbcStoreSupport support;

	/**
	 * Creates a store on a data source, using a {@link JdbcTransactionManager} of its
	 * own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcRetentionStore(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcRetentionStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
	}

	@Override
	public Deleted deleteFinishedRuns(RunStatus status, Duration olderThan, int limit) {
		Assert.notNull(status, "'status' must not be null");
		Assert.isTrue(status.isFinished(), () -> "Only finished runs are deleted, not " + status + " ones");
		checkBatch(olderThan, limit);
		Deleted deleted = this.support.transactions().execute((transaction) -> {
			List<String> candidates = this.support.jdbc()
				.sql(this.support.render(SELECT_RUNS))
				.param("status", status.name())
				.param("offsetMillis", -olderThan.toMillis())
				.param("limit", limit)
				.query(String.class)
				.list();
			if (candidates.isEmpty()) {
				return Deleted.NONE;
			}
			List<String> ids = this.support.jdbc()
				.sql(this.support.render(LOCK_RUNS))
				.param("ids", candidates)
				.param("status", status.name())
				.param("offsetMillis", -olderThan.toMillis())
				.query(String.class)
				.list();
			if (ids.isEmpty()) {
				return Deleted.NONE;
			}
			long steps = delete(DELETE_STEPS, ids);
			long eventWaits = delete(DELETE_EVENT_WAITS, ids);
			delete(DELETE_CANCEL_KEYS, ids);
			delete(DELETE_BATCH_EVENTS, ids);
			long invocations = delete(DELETE_INVOCATIONS_OF_CHILDREN, ids) + delete(DELETE_INVOCATIONS_OF_PARENTS, ids);
			long deadLetters = delete(DELETE_DEAD_LETTERS_OF_RUNS, ids);
			long runs = delete(DELETE_RUNS, ids);
			return new Deleted(runs, steps, eventWaits, invocations, deadLetters);
		});
		return (deleted != null) ? deleted : Deleted.NONE;
	}

	@Override
	public Deleted deletePublishedDeadLetters(Duration olderThan, int limit) {
		checkBatch(olderThan, limit);
		Deleted deleted = this.support.transactions().execute((transaction) -> {
			List<String> candidates = this.support.jdbc()
				.sql(this.support.render(SELECT_DEAD_LETTERS))
				.param("offsetMillis", -olderThan.toMillis())
				.param("limit", limit)
				.query(String.class)
				.list();
			if (candidates.isEmpty()) {
				return Deleted.NONE;
			}
			List<String> ids = this.support.jdbc()
				.sql(LOCK_DEAD_LETTERS)
				.param("ids", candidates)
				.query(String.class)
				.list();
			if (ids.isEmpty()) {
				return Deleted.NONE;
			}
			return new Deleted(0, 0, 0, 0, delete(DELETE_DEAD_LETTERS, ids));
		});
		return (deleted != null) ? deleted : Deleted.NONE;
	}

	@Override
	public int deleteEndedGateWindows(int limit) {
		return deleteSelected(SELECT_ENDED_GATES, DELETE_ENDED_GATES, limit);
	}

	@Override
	public int deletePassedThrottles(int limit) {
		return deleteSelected(SELECT_PASSED_THROTTLES, DELETE_PASSED_THROTTLES, limit);
	}

	@Override
	public int deletePassedDebounces(int limit) {
		return deleteSelected(SELECT_PASSED_DEBOUNCES, DELETE_PASSED_DEBOUNCES, limit);
	}

	@Override
	public int deleteReleasedSingletonKeys(int limit) {
		return deleteSelected(SELECT_RELEASED_SINGLETON_KEYS, DELETE_RELEASED_SINGLETON_KEYS, limit);
	}

	@Override
	public int deleteIdleConcurrencyKeys(int limit) {
		return deleteSelected(SELECT_IDLE_CONCURRENCY_KEYS, DELETE_IDLE_CONCURRENCY_KEYS, limit);
	}

	/**
	 * Deletes the rows of a flow-control table that a select finds done with, up to
	 * {@code limit}: the delete checks each again, so a row used since the select is
	 * kept.
	 * @param select selects up to {@code :limit} ids
	 * @param delete deletes the rows of the {@code :ids} still done with
	 * @param limit the most rows to delete
	 * @return how many rows were deleted
	 */
	private int deleteSelected(String select, String delete, int limit) {
		Assert.isTrue(limit > 0 && limit <= MAX_BATCH_SIZE, () -> "'limit' must be between 1 and " + MAX_BATCH_SIZE);
		List<String> ids = this.support.jdbc()
			.sql(this.support.render(select))
			.param("limit", limit)
			.query(String.class)
			.list();
		if (ids.isEmpty()) {
			return 0;
		}
		return this.support.jdbc().sql(this.support.render(delete)).param("ids", ids).update();
	}

	private long delete(String sql, List<String> ids) {
		return this.support.jdbc().sql(sql).param("ids", ids).update();
	}

	private static void checkBatch(Duration olderThan, int limit) {
		Assert.notNull(olderThan, "'olderThan' must not be null");
		Assert.isTrue(!olderThan.isNegative(), "'olderThan' must not be negative");
		Assert.isTrue(limit > 0 && limit <= MAX_BATCH_SIZE, () -> "'limit' must be between 1 and " + MAX_BATCH_SIZE);
	}

}
