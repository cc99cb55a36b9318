package dev.backgroundjobs.jdbc;

import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient.StatementSpec;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link RunStore} on a relational database through {@code JdbcClient}.
 * <p>
 * This class holds the writes: inserts, leases and state transitions. Reads go to
 * {@link JdbcRunQueries}. Fenced writes match {@link RunSql#FENCE}, which also requires
 * the run to be {@link RunStatus#QUEUED} or {@link RunStatus#RUNNING}, so a late
 * duplicate of a finished execution cannot revive it. Completion is a checkpoint, written
 * by {@link JdbcCheckpointStore}; failing or cancelling a run wakes the parent that
 * invoked it through {@link RunWakeups}, in the same transaction.
 */
public class JdbcRunStore implements RunStore {

	private static final String INSERT_RUN_COLUMNS = """
			INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status, attempt,
					version, handler_failures, lease_owner, lease_until, created_at, started_at, trace_context)
			VALUES\s""";

	private static final String INSERT_RUN_VALUES = """
			(:runId%1$s, :functionId%1$s, :eventId%1$s, :eventName%1$s, :eventData%1$s, :eventTime%1$s, 'RUNNING', 1, 1, 0,
					:owner, ${now + leaseMillis}, ${now}, ${now}, :traceContext%1$s)""";

	private static final String INSERT_RUN = INSERT_RUN_COLUMNS + INSERT_RUN_VALUES.formatted("");

	/**
	 * The parameters of {@link #INSERT_RUN_VALUES} that differ from row to row.
	 */
	private static final List<String> INSERT_RUN_ROW_PARAMETERS = List.of("runId", "functionId", "eventId", "eventName",
			"eventData", "eventTime", "traceContext");

	private static final String INSERT_CHILD_RUN = """
			INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status, attempt,
					version, handler_failures, lease_owner, lease_until, created_at)
			VALUES (:runId, :functionId, :eventId, :eventName, :eventData, :eventTime, 'QUEUED', 0, 1, 0, NULL,
					${now}, ${now})
			""";

	private static final String INSERT_INVOCATION = """
			INSERT INTO bj_invocations (child_run_id, parent_run_id, parent_step_id, created_at)
			VALUES (:runId, :parentRunId, :parentStepId, ${now})
			""";

	private static final String AWAIT = """
			UPDATE bj_runs
			SET status = 'WAITING', wake_at = NULL, lease_owner = NULL, lease_until = NULL, error = NULL
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String COUNT_FINISHED = """
			SELECT COUNT(*) FROM bj_runs WHERE run_id = :runId AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')
			""";

	private static final String START = """
			UPDATE bj_runs SET status = 'RUNNING', attempt = attempt + 1, started_at = COALESCE(started_at, ${now})
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String SELECT_DUE_SLEEPING = """
			SELECT run_id FROM bj_runs
			WHERE status = 'SLEEPING' AND wake_at <= ${now} AND function_id IN (:functionIds)
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	private static final String SELECT_DUE_WAITING = """
			SELECT run_id FROM bj_runs
			WHERE status = 'WAITING' AND wake_at <= ${now} AND function_id IN (:functionIds)
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	private static final String SELECT_EXPIRED_LEASES = """
			SELECT run_id FROM bj_runs
			WHERE %s AND lease_until <= ${now} AND function_id IN (:functionIds)
			ORDER BY lease_until
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""".formatted(RunSql.HELD);

	private static final String CLAIM = """
			UPDATE bj_runs
			SET status = 'QUEUED', version = version + 1, lease_owner = :owner, lease_until = ${now + leaseMillis},
					wake_at = NULL
			WHERE run_id IN (:runIds)
			""";

	private static final String SELECT_LEASED = """
			SELECT run_id FROM bj_runs
			WHERE lease_owner = :owner AND %s
			FOR UPDATE SKIP LOCKED
			""".formatted(RunSql.HELD);

	private static final String SELECT_HELD = """
			SELECT run_id FROM bj_runs
			WHERE run_id IN (:runIds) AND lease_owner = :owner AND %s
			FOR UPDATE SKIP LOCKED
			""".formatted(RunSql.HELD);

	private static final String EXTEND_LEASES = """
			UPDATE bj_runs SET lease_until = ${now + leaseMillis}
			WHERE run_id IN (:runIds) AND lease_owner = :owner
			""";

	private static final String RELEASE_LEASES = """
			UPDATE bj_runs SET lease_owner = NULL, lease_until = ${now}
			WHERE run_id IN (:runIds) AND lease_owner = :owner
			""";

	private static final String DELETE_EVENT_WAITS = "DELETE FROM bj_event_waits WHERE run_id = :runId";

	private static final String CANCEL = """
			UPDATE bj_runs
			SET status = 'CANCELLED', version = version + 1, lease_owner = NULL, lease_until = NULL, wake_at = NULL,
					finished_at = ${now}
			WHERE run_id = :runId AND status IN ('QUEUED', 'SLEEPING', 'WAITING')
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

	private static final String DELETE_FAILED_STEPS = "DELETE FROM bj_steps WHERE run_id = :runId AND status = 'FAILED'";

	/**
	 * Longest run id, function id, event id, event name and lease owner the schema holds.
	 */
	public static final int MAX_ID_LENGTH = 255;

	private final JdbcStoreSupport support;

	private final JdbcRunQueries queries;

	private final RunWakeups wakeups;

	private final String insertRun;

	private final String insertChildRun;

	private final String insertInvocation;

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
		this.wakeups = new RunWakeups(this.support);
		this.insertRun = dialect.insertIgnoringDuplicates(dialect.render(INSERT_RUN));
		this.insertChildRun = dialect.insertIgnoringDuplicates(dialect.render(INSERT_CHILD_RUN));
		this.insertInvocation = dialect.insertIgnoringDuplicates(dialect.render(INSERT_INVOCATION));
	}

	@Override
	public List<String> insertLeased(List<NewRun> runs, String owner, Duration lease) {
		Assert.notNull(runs, "'runs' must not be null");
		Assert.hasText(owner, "'owner' must not be empty");
		Assert.notNull(lease, "'lease' must not be null");
		if (runs.isEmpty()) {
			return List.of();
		}
		runs.forEach(JdbcRunStore::validate);
		// A consistent insert order across instances stops two batches that share events
		// from deadlocking on each other's unique-key locks.
		List<NewRun> ordered = runs.stream()
			.sorted(Comparator.comparing(NewRun::functionId).thenComparing(NewRun::eventId))
			.toList();
		if (this.support.dialect().supportsInsertReturning()) {
			return insertReturningInserted(runs, ordered, owner, lease);
		}
		// Each row's own update count says whether this transaction inserted it: a
		// concurrent transaction inserting the same run (another consumer thread of this
		// instance, with the same owner) makes the insert wait for its outcome and then
		// skip the row, so exactly one of them counts it. Reading the rows back cannot
		// tell the two apart.
		List<String> inserted = this.support.transactions().execute((status) -> {
			List<String> mine = new ArrayList<>();
			for (NewRun run : ordered) {
				if (insertIgnoringDuplicate(this.insertRun, insertParameters(run, owner, lease))) {
					mine.add(run.runId());
				}
			}
			return mine;
		});
		Set<String> mine = (inserted != null) ? new HashSet<>(inserted) : new HashSet<>();
		return runs.stream().map(NewRun::runId).filter(mine::remove).toList();
	}

	/**
	 * Inserts the runs with one multi-row statement that returns the ids it inserted: one
	 * round trip and no explicit transaction, for the latency between an event's arrival
	 * and its handler's start.
	 */
	private List<String> insertReturningInserted(List<NewRun> runs, List<NewRun> ordered, String owner,
			Duration lease) {
		Set<String> inserted = new HashSet<>();
		for (List<NewRun> chunk : JdbcStoreSupport.chunks(ordered, JdbcStoreSupport.MAX_LIST_SIZE)) {
			StringBuilder sql = new StringBuilder(INSERT_RUN_COLUMNS);
			MapSqlParameterSource parameters = new MapSqlParameterSource("owner", owner).addValue("leaseMillis",
					lease.toMillis());
			for (int i = 0; i < chunk.size(); i++) {
				sql.append((i > 0) ? ", " : "").append(INSERT_RUN_VALUES.formatted(i));
				MapSqlParameterSource row = insertParameters(chunk.get(i), owner, lease);
				for (String name : INSERT_RUN_ROW_PARAMETERS) {
					parameters.addValue(name + i, row.getValue(name), row.getSqlType(name));
				}
			}
			sql.append(" ON CONFLICT DO NOTHING RETURNING run_id");
			inserted.addAll(this.support.jdbc()
				.sql(this.support.render(sql.toString()))
				.paramSource(parameters)
				.query(String.class)
				.list());
		}
		return runs.stream().map(NewRun::runId).filter(inserted::remove).toList();
	}

	private MapSqlParameterSource insertParameters(NewRun run, String owner, Duration lease) {
		return new MapSqlParameterSource().addValue("runId", run.runId())
			.addValue("functionId", JdbcStoreSupport.storable(run.functionId()))
			.addValue("eventId", JdbcStoreSupport.storable(run.eventId()))
			.addValue("eventName", JdbcStoreSupport.storable(run.eventName()))
			.addValue("eventData", run.eventData(), Types.VARCHAR)
			.addValue("eventTime", this.support.bind(run.eventTime()))
			.addValue("owner", owner)
			.addValue("leaseMillis", lease.toMillis())
			.addValue("traceContext", run.traceContext(), Types.VARCHAR);
	}

	private static void validate(NewRun run) {
		Assert.notNull(run, "'runs' must not contain null");
		checkLength(run, "run id", run.runId());
		checkLength(run, "function id", run.functionId());
		checkLength(run, "event id", run.eventId());
		checkLength(run, "event name", run.eventName());
	}

	private static void checkLength(NewRun run, String what, String value) {
		if (value.length() > MAX_ID_LENGTH) {
			throw new IllegalArgumentException("The " + what + " of run '" + run.runId() + "' of function '"
					+ run.functionId() + "' is longer than " + MAX_ID_LENGTH + " characters");
		}
	}

	@Override
	public boolean start(String runId, long version) {
		return fenced(START, runId, version).update() == 1;
	}

	@Override
	public List<RunRecord> claimDue(String owner, Duration lease, int limit, Collection<String> functionIds,
			boolean takeOverExpiredLeases) {
		Assert.hasText(owner, "'owner' must not be empty");
		if (limit <= 0 || functionIds.isEmpty()) {
			return List.of();
		}
		List<RunRecord> claimed = this.support.transactions().execute((status) -> {
			// Three queries rather than one OR, so that each is a range scan of its
			// index.
			Set<String> runIds = new LinkedHashSet<>(lockDue(SELECT_DUE_SLEEPING, limit, functionIds));
			if (runIds.size() < limit) {
				runIds.addAll(lockDue(SELECT_DUE_WAITING, limit - runIds.size(), functionIds));
			}
			if (takeOverExpiredLeases && runIds.size() < limit) {
				runIds.addAll(lockDue(SELECT_EXPIRED_LEASES, limit - runIds.size(), functionIds));
			}
			if (runIds.isEmpty()) {
				return List.<RunRecord>of();
			}
			this.support.jdbc()
				.sql(this.support.render(CLAIM))
				.param("owner", owner)
				.param("leaseMillis", lease.toMillis())
				.param("runIds", runIds)
				.update();
			return this.queries.findAll(runIds);
		});
		return (claimed != null) ? claimed : List.of();
	}

	private List<String> lockDue(String sql, int limit, Collection<String> functionIds) {
		return this.support.jdbc()
			.sql(this.support.render(sql))
			.param("limit", limit)
			.param("functionIds", functionIds)
			.query(String.class)
			.list();
	}

	@Override
	public int extendLeases(String owner, Collection<String> runIds, Duration lease) {
		Assert.hasText(owner, "'owner' must not be empty");
		Assert.notNull(runIds, "'runIds' must not be null");
		int count = 0;
		for (List<String> chunk : JdbcStoreSupport.chunks(List.copyOf(new LinkedHashSet<>(runIds)),
				JdbcStoreSupport.MAX_LIST_SIZE)) {
			count += updateLeased(owner, EXTEND_LEASES, lease,
					() -> this.support.jdbc()
						.sql(SELECT_HELD)
						.param("owner", owner)
						.param("runIds", chunk)
						.query(String.class)
						.list());
		}
		return count;
	}

	@Override
	public int releaseLeases(String owner) {
		return updateLeased(owner, RELEASE_LEASES, Duration.ZERO,
				() -> this.support.jdbc().sql(SELECT_LEASED).param("owner", owner).query(String.class).list());
	}

	/**
	 * Updates the runs leased to an owner that a locking query selects, skipping rows
	 * another transaction holds (a checkpoint batch locks its runs in id order; an
	 * unordered update of the same rows could deadlock with it). A skipped run keeps its
	 * lease until the next heartbeat.
	 */
	private int updateLeased(String owner, String update, Duration lease, Supplier<List<String>> lockLeased) {
		Integer updated = this.support.transactions().execute((status) -> {
			List<String> runIds = lockLeased.get();
			int count = 0;
			for (List<String> chunk : JdbcStoreSupport.chunks(runIds, JdbcStoreSupport.MAX_LIST_SIZE)) {
				count += this.support.jdbc()
					.sql(this.support.render(update))
					.param("owner", owner)
					.param("leaseMillis", lease.toMillis())
					.param("runIds", chunk)
					.update();
			}
			return count;
		});
		return (updated != null) ? updated : 0;
	}

	@Override
	public boolean insertChild(NewRun run, String parentRunId, String parentStepId) {
		validate(run);
		Boolean inserted = this.support.transactions().execute((status) -> {
			boolean fresh = insertIgnoringDuplicate(this.insertChildRun, insertParameters(run, "", Duration.ZERO));
			insertIgnoringDuplicate(this.insertInvocation,
					new MapSqlParameterSource("runId", run.runId()).addValue("parentRunId", parentRunId)
						.addValue("parentStepId", parentStepId));
			return fresh;
		});
		return Boolean.TRUE.equals(inserted);
	}

	private boolean insertIgnoringDuplicate(String sql, SqlParameterSource parameters) {
		try {
			return this.support.template().update(sql, parameters) == 1;
		}
		catch (DuplicateKeyException ex) {
			// Recorded already: skip, as insert-ignore does on the other databases
			return false;
		}
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
	public boolean cancel(String runId) {
		// Like completion and failure, cancellation wakes a parent waiting for this run,
		// and an open
		// wait for an event must not resolve a run that no longer runs.
		Boolean cancelled = this.support.transactions().execute((status) -> {
			if (!this.wakeups.finish(runId,
					() -> this.support.jdbc().sql(this.support.render(CANCEL)).param("runId", runId).update() == 1)) {
				return false;
			}
			this.support.jdbc().sql(DELETE_EVENT_WAITS).param("runId", runId).update();
			return true;
		});
		return Boolean.TRUE.equals(cancelled);
	}

	@Override
	public boolean park(String runId, long version, Duration delay, @Nullable String error, int handlerFailures) {
		return fenced(PARK, runId, version).param("delayMillis", delay.toMillis())
			.param("error", JdbcStoreSupport.storable(error), Types.VARCHAR)
			.param("handlerFailures", handlerFailures)
			.update() == 1;
	}

	@Override
	public boolean fail(String runId, long version, @Nullable String stepId, String error) {
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
