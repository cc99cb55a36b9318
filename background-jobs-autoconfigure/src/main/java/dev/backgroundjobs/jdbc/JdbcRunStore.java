package dev.backgroundjobs.jdbc;

import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient.StatementSpec;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link RunStore} on a relational database through {@code JdbcClient}.
 * <p>
 * This class holds the state transitions of runs and delegates the rest, one job per
 * class: {@link JdbcRunInserts} records new runs, {@link JdbcRunLeases} claims runs and
 * keeps their leases, and {@link JdbcRunQueries} reads. Fenced writes match
 * {@link RunSql#FENCE}, which also requires the run to be {@link RunStatus#QUEUED} or
 * {@link RunStatus#RUNNING}, so a late duplicate of a finished execution cannot revive
 * it. Completion is a checkpoint, written by {@link JdbcCheckpointStore}; failing or
 * cancelling a run wakes the parent that invoked it through {@link RunWakeups}, in the
 * same transaction.
 */
public class JdbcRunStore implements RunStore {

	private static final String AWAIT = """
			UPDATE bj_runs
			SET status = 'WAITING', wake_at = NULL, lease_owner = NULL, lease_until = NULL, error = NULL
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String COUNT_FINISHED = """
			SELECT COUNT(*) FROM bj_runs WHERE run_id = :runId AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')
			""";

	// A run that never started has no failure of its own to show: its error can only be
	// the reason flow control held it back, cleared as it starts. MySQL assigns left to
	// right, so the error is set while started_at is still the old value.
	private static final String START = """
			UPDATE bj_runs
			SET status = 'RUNNING', attempt = attempt + 1, error = CASE WHEN started_at IS NULL THEN NULL ELSE error END,
					started_at = COALESCE(started_at, ${now})
			WHERE %s
			"""
		.formatted(RunSql.FENCE);

	private static final String DELETE_EVENT_WAITS = "DELETE FROM bj_event_waits WHERE run_id = :runId";

	private static final String CANCEL = """
			UPDATE bj_runs
			SET status = 'CANCELLED', version = version + 1, lease_owner = NULL, lease_until = NULL, wake_at = NULL,
					finished_at = ${now}, error = :reason
			WHERE run_id = :runId AND status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING')
			""";

	private static final String SELECT_START_OVERDUE = """
			SELECT run_id FROM bj_runs
			WHERE function_id = :functionId AND status IN ('DELAYED', 'QUEUED') AND started_at IS NULL
					AND created_at < ${now + offsetMillis}
			ORDER BY created_at LIMIT :limit
			""";

	private static final String SELECT_FINISH_OVERDUE = """
			SELECT run_id FROM bj_runs
			WHERE function_id = :functionId AND status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING')
					AND started_at < ${now + offsetMillis}
			ORDER BY created_at LIMIT :limit
			""";

	private static final String SELECT_CANCELLED = """
			SELECT run_id FROM bj_runs WHERE run_id IN (:runIds) AND status = 'CANCELLED'
			""";

	private static final String PARK = """
			UPDATE bj_runs
			SET status = 'SLEEPING', wake_at = ${now + delayMillis}, lease_owner = NULL, lease_until = NULL,
					error = :error, handler_failures = :handlerFailures
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String FAIL = """
			UPDATE bj_runs
			SET status = 'FAILED', error = :error, lease_owner = NULL, lease_until = NULL, wake_at = NULL,
					finished_at = ${now}
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String DELETE_DEAD_LETTER = "DELETE FROM bj_dead_letters WHERE id = :runId";

	// Written as unpublished: the dead-letter relay publishes it (an outbox), so the
	// record on the dead-letter topic cannot be lost between this commit and a send.
	private static final String INSERT_DEAD_LETTER = """
			INSERT INTO bj_dead_letters (id, run_id, function_id, step_id, error, record_partition, record_offset,
					publish_pending, created_at)
			SELECT run_id, run_id, function_id, :stepId, :error, -1, -1, 1, ${now} FROM bj_runs WHERE run_id = :runId
			""";

	private static final String REPLAY = """
			UPDATE bj_runs
			SET status = 'QUEUED', version = version + 1, lease_owner = :owner, lease_until = ${now + leaseMillis},
					handler_failures = 0, error = NULL, finished_at = NULL, wake_at = NULL
			WHERE run_id = :runId AND status = 'FAILED'
			""";

	private static final String RERUN = """
			UPDATE bj_runs
			SET status = 'QUEUED', version = version + 1, lease_owner = :owner, lease_until = ${now + leaseMillis},
					handler_failures = 0, output = NULL, error = NULL, finished_at = NULL, wake_at = NULL
			WHERE run_id = :runId AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')
			""";

	private static final String STEP_STARTED_AT = "SELECT started_at FROM bj_steps WHERE run_id = :runId AND step_id = :stepId";

	private static final String DELETE_STEPS_STARTED_FROM = "DELETE FROM bj_steps WHERE run_id = :runId AND started_at >= :startedAt";

	private static final String DELETE_FAILED_STEPS = "DELETE FROM bj_steps WHERE run_id = :runId AND status = 'FAILED'";

	/**
	 * Longest run id, function id, event id, event name and lease owner the schema holds.
	 */
	public static final int MAX_ID_LENGTH = 255;

	private final JdbcStoreSupport support;

	private final JdbcRunQueries queries;

	private final JdbcConcurrencySlots slots;

	private final JdbcRunInserts inserts;

	private final JdbcRunLeases leases;

	private final RunWakeups wakeups;

	/**
	 * Creates a store on a data source, detecting its dialect and using a
	 * {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 */
	public JdbcRunStore(DataSource dataSource) {
		this(dataSource, DatabaseDialect.from(dataSource));
	}

	/**
	 * Creates a store on a data source, using a {@link JdbcTransactionManager} of its
	 * own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcRunStore(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcRunStore(DataSource dataSource, DatabaseDialect dialect, PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.queries = new JdbcRunQueries(this.support);
		this.slots = new JdbcConcurrencySlots(this.support);
		this.inserts = new JdbcRunInserts(this.support, this.slots, this::cancel);
		this.leases = new JdbcRunLeases(this.support, this.queries, this.slots);
		this.wakeups = new RunWakeups(this.support);
	}

	@Override
	public List<String> insertLeased(List<NewRun> runs, String owner, Duration lease) {
		return this.inserts.insertLeased(runs, owner, lease);
	}

	@Override
	public GatedInsert insertLeasedGated(List<NewRun> runs, String owner, Duration lease, Duration holdAhead) {
		return this.inserts.insertLeasedGated(runs, owner, lease, holdAhead);
	}

	@Override
	public List<HeldRun> claimStarting(String owner, Duration lease, int limit, Collection<String> functionIds,
			Duration ahead) {
		return this.leases.claimStarting(owner, lease, limit, functionIds, ahead);
	}

	@Override
	public boolean insertChild(NewRun run, String parentRunId, String parentStepId) {
		return this.inserts.insertChild(run, parentRunId, parentStepId);
	}

	@Override
	public boolean start(String runId, long version) {
		return fenced(START, runId, version).update() == 1;
	}

	@Override
	public List<RunRecord> claimAdmitted(String owner, Duration lease, int limit, Collection<Admission> admissions,
			@Nullable Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner) {
		return this.leases.claimAdmitted(owner, lease, limit, admissions, takeOverLeasesExpiredBefore, heldByOwner);
	}

	@Override
	public List<RunRecord> claimFreedSlots(String owner, Duration lease, int limit, Collection<Admission> admissions) {
		return this.leases.claimFreedSlots(owner, lease, limit, admissions);
	}

	@Override
	public boolean mayHaveRunsWaitingForSlots(String functionId) {
		return this.slots.mayHaveWaitingRuns(functionId);
	}

	@Override
	public List<RunRecord> claimDue(String owner, Duration lease, int limit, Collection<String> functionIds,
			@Nullable Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner) {
		return this.leases.claimDue(owner, lease, limit, functionIds, takeOverLeasesExpiredBefore, heldByOwner);
	}

	@Override
	public int extendLeases(String owner, Collection<String> runIds, Duration lease) {
		return this.leases.extendLeases(owner, runIds, lease);
	}

	@Override
	public int releaseLeases(String owner) {
		return this.leases.releaseLeases(owner);
	}

	@Override
	public boolean awaitChild(String runId, long version, String childRunId) {
		Boolean parked = this.support.transactions().execute((status) -> {
			if (fenced(AWAIT, runId, version).update() != 1) {
				return false;
			}
			Integer finished = this.support.jdbc()
				.sql(COUNT_FINISHED)
				.param("runId", childRunId)
				.query(Integer.class)
				.single();
			if (finished > 0) {
				this.wakeups.wake(runId);
			}
			return true;
		});
		return Boolean.TRUE.equals(parked);
	}

	@Override
	public boolean cancel(String runId, @Nullable String reason) {
		// Like completion and failure, cancellation wakes a parent waiting for this run;
		// and an open wait for an event must not resolve a run that no longer runs. The
		// version increment fences a worker still executing the run.
		String storedReason = JdbcStoreSupport.storable(reason);
		Boolean cancelled = this.support.transactions().execute((status) -> {
			if (!this.wakeups.finish(runId,
					() -> this.support.jdbc()
						.sql(this.support.render(CANCEL))
						.param("runId", runId)
						.param("reason", storedReason, Types.VARCHAR)
						.update() == 1)) {
				return false;
			}
			this.support.jdbc().sql(DELETE_EVENT_WAITS).param("runId", runId).update();
			return true;
		});
		return Boolean.TRUE.equals(cancelled);
	}

	@Override
	public List<String> findCancelled(Collection<String> runIds) {
		List<String> cancelled = new ArrayList<>();
		for (List<String> chunk : JdbcStoreSupport.chunks(List.copyOf(new LinkedHashSet<>(runIds)),
				JdbcStoreSupport.MAX_LIST_SIZE)) {
			cancelled
				.addAll(this.support.jdbc().sql(SELECT_CANCELLED).param("runIds", chunk).query(String.class).list());
		}
		return cancelled;
	}

	@Override
	public List<String> findStartOverdue(String functionId, Duration startTimeout, int limit) {
		return overdue(SELECT_START_OVERDUE, functionId, startTimeout, limit);
	}

	@Override
	public List<String> findFinishOverdue(String functionId, Duration finishTimeout, int limit) {
		return overdue(SELECT_FINISH_OVERDUE, functionId, finishTimeout, limit);
	}

	private List<String> overdue(String sql, String functionId, Duration timeout, int limit) {
		return this.support.jdbc()
			.sql(this.support.render(sql))
			.param("functionId", functionId)
			.param("offsetMillis", -timeout.toMillis())
			.param("limit", limit)
			.query(String.class)
			.list();
	}

	@Override
	public boolean park(String runId, long version, Duration delay, @Nullable String error, int handlerFailures) {
		return fenced(PARK, runId, version).param("delayMillis", delay.toMillis())
			.param("error", JdbcStoreSupport.storable(error), Types.VARCHAR)
			.param("handlerFailures", handlerFailures)
			.update() == 1;
	}

	@Override
	public boolean fail(String runId, long version, @Nullable String stepId, String error,
			@Nullable NewRun failureHandlerRun) {
		String storedError = JdbcStoreSupport.storable(error);
		Boolean failed = this.support.transactions().execute((status) -> {
			if (!this.wakeups.finish(runId,
					() -> fenced(FAIL, runId, version).param("error", storedError, Types.VARCHAR).update() == 1)) {
				return false;
			}
			this.support.jdbc().sql(DELETE_DEAD_LETTER).param("runId", runId).update();
			this.support.jdbc()
				.sql(this.support.render(INSERT_DEAD_LETTER))
				.param("runId", runId)
				.param("stepId", JdbcStoreSupport.storable(stepId), Types.VARCHAR)
				.param("error", storedError, Types.VARCHAR)
				.update();
			if (failureHandlerRun != null) {
				// Keyed by the failed run: a replayed run that fails again starts none.
				this.inserts.insertQueued(failureHandlerRun);
			}
			return true;
		});
		return Boolean.TRUE.equals(failed);
	}

	@Override
	public @Nullable RunRecord replay(String runId, String owner, Duration lease) {
		Assert.hasText(owner, "'owner' must not be empty");
		return this.support.transactions().execute((status) -> {
			// Updating the run first locks it, so no step write can interleave.
			int replayed = this.support.jdbc()
				.sql(this.support.render(REPLAY))
				.param("runId", runId)
				.param("owner", owner)
				.param("leaseMillis", lease.toMillis())
				.update();
			if (replayed != 1) {
				return null;
			}
			this.support.jdbc().sql(DELETE_FAILED_STEPS).param("runId", runId).update();
			this.support.jdbc().sql(DELETE_DEAD_LETTER).param("runId", runId).update();
			return this.queries.find(runId);
		});
	}

	@Override
	public @Nullable RunRecord rerunFrom(String runId, String stepId, String owner, Duration lease) {
		Assert.hasText(owner, "'owner' must not be empty");
		return this.support.transactions().execute((status) -> {
			// Only a finished run is taken, and its version moves on: no execution holds
			// it, and none that held it before can write to it again.
			int queued = this.support.jdbc()
				.sql(this.support.render(RERUN))
				.param("runId", runId)
				.param("owner", owner)
				.param("leaseMillis", lease.toMillis())
				.update();
			if (queued != 1) {
				return null;
			}
			Instant startedAt = this.support.jdbc()
				.sql(STEP_STARTED_AT)
				.param("runId", runId)
				.param("stepId", stepId)
				.query((rs, row) -> this.support.getRequiredInstant(rs, "started_at"))
				.optional()
				.orElseThrow(() -> new IllegalArgumentException("Run " + runId + " has no step '" + stepId + "'"));
			this.support.jdbc()
				.sql(DELETE_STEPS_STARTED_FROM)
				.param("runId", runId)
				.param("startedAt", this.support.bind(startedAt))
				.update();
			this.support.jdbc().sql(DELETE_DEAD_LETTER).param("runId", runId).update();
			this.support.jdbc().sql(DELETE_EVENT_WAITS).param("runId", runId).update();
			return this.queries.find(runId);
		});
	}

	@Override
	public @Nullable RunRecord find(String runId) {
		return this.queries.find(runId);
	}

	@Override
	public List<RunRecord> findAll(Collection<String> runIds) {
		return this.queries.findAll(runIds);
	}

	@Override
	public List<RunRecord> findRuns(RunQuery query) {
		return this.queries.findRuns(query);
	}

	@Override
	public Map<RunStatus, Long> countByStatus() {
		return this.queries.countByStatus();
	}

	@Override
	public @Nullable Instant oldestCreatedAt(RunStatus status) {
		return this.queries.oldestCreatedAt(status);
	}

	@Override
	public @Nullable Instant latestEventTime(String functionId, String eventName) {
		return this.queries.latestEventTime(functionId, eventName);
	}

	private StatementSpec fenced(String sql, String runId, long version) {
		return this.support.jdbc().sql(this.support.render(sql)).param("runId", runId).param("version", version);
	}

}
