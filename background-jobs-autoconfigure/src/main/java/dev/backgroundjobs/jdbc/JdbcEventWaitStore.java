package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.EventWaitStore;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.util.Assert;

/**
 * {@link EventWaitStore} on a relational database through {@code JdbcClient}.
 * <p>
 * A wait is recorded in two transactions around a call to the {@link EventLog}: the first
 * inserts its row without a start (pending), the second stores the end of the log read
 * after that commit as the wait's start and parks the run. A consumer that gave up
 * waiting for a pending wait's start {@link #resolve restarts} it by bumping
 * {@code start_generation}; the second transaction stores a start only for the generation
 * it read before asking the log, so a start read before a restart is never stored, and
 * the log is asked again.
 * <p>
 * Resolving locks the matching waits before it wakes their runs, and parking updates the
 * run before it reads its wait, so a wait resolved while its run re-parks is seen by one
 * side or the other. Both lock the wait's row before the run's.
 */
public class JdbcEventWaitStore implements EventWaitStore {

	/**
	 * How often a wait's start is read again after consumers restarted it, before the run
	 * is left to resume later.
	 */
	private static final int MAX_START_ATTEMPTS = 5;

	private static final String AWAIT_RUN = """
			UPDATE bj_runs
			SET status = 'WAITING', wake_at = ${now + timeoutMillis}, lease_owner = NULL, lease_until = NULL,
					error = NULL
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String INSERT_WAIT = """
			INSERT INTO bj_event_waits (run_id, step_id, event_name, match_path, match_value, created_at, expires_at,
					start_generation)
			VALUES (:runId, :stepId, :eventName, :matchPath, :matchValue, ${now}, ${now + timeoutMillis}, 0)
			""";

	private static final String READ_START = """
			SELECT start_offsets, start_generation FROM bj_event_waits WHERE run_id = :runId AND step_id = :stepId
			""";

	private static final String SET_START = """
			UPDATE bj_event_waits SET start_offsets = :start
			WHERE run_id = :runId AND step_id = :stepId AND start_offsets IS NULL AND start_generation = :generation
			""";

	private static final String RESTART = """
			UPDATE bj_event_waits SET start_generation = start_generation + 1
			WHERE run_id = :runId AND step_id = :stepId AND start_offsets IS NULL
			""";

	private static final String COUNT_RESOLVED = """
			SELECT COUNT(*) FROM bj_event_waits
			WHERE run_id = :runId AND step_id = :stepId AND resolved_event IS NOT NULL
			""";

	private static final String FIND = """
			SELECT run_id, step_id, event_name, match_path, match_value, created_at, expires_at, resolved_event
			FROM bj_event_waits WHERE run_id = :runId AND step_id = :stepId
			""";

	private static final String FIND_BY_RUN = """
			SELECT run_id, step_id, event_name, match_path, match_value, created_at, expires_at, resolved_event
			FROM bj_event_waits WHERE run_id = :runId ORDER BY created_at
			""";

	private static final String DELETE = "DELETE FROM bj_event_waits WHERE run_id = :runId AND step_id = :stepId";

	private static final String OLDEST_OPEN = """
			SELECT MIN(created_at) AS oldest FROM bj_event_waits WHERE resolved_event IS NULL
			""";

	private static final String OPEN_STARTS = """
			SELECT event_name, start_offsets FROM bj_event_waits WHERE resolved_event IS NULL
			""";

	private static final String MATCH_PATHS = """
			SELECT DISTINCT event_name, match_path FROM bj_event_waits
			WHERE event_name IN (:eventNames) AND resolved_event IS NULL
			""";

	private static final String LOCK_MATCHING = """
			SELECT run_id, step_id, start_offsets FROM bj_event_waits
			WHERE event_name = :eventName AND match_path = :matchPath AND match_value = :matchValue
					AND resolved_event IS NULL
			FOR UPDATE
			""";

	private static final String RESOLVE = """
			UPDATE bj_event_waits SET resolved_event = :eventJson
			WHERE run_id = :runId AND step_id = :stepId AND resolved_event IS NULL
			""";

	private final JdbcStoreSupport support;

	private final RunWakeups wakeups;

	private final EventLog eventLog;

	private final String insertWait;

	/**
	 * Creates a store, using a {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param eventLog tells where the log of an awaited event ends when a wait begins
	 */
	public JdbcEventWaitStore(DataSource dataSource, DatabaseDialect dialect, EventLog eventLog) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource), eventLog);
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 * @param eventLog tells where the log of an awaited event ends when a wait begins
	 */
	public JdbcEventWaitStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager, EventLog eventLog) {
		Assert.notNull(eventLog, "'eventLog' must not be null");
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.wakeups = new RunWakeups(this.support);
		this.eventLog = eventLog;
		this.insertWait = dialect.insertIgnoringDuplicates(dialect.render(INSERT_WAIT));
	}

	@Override
	public boolean awaitEvent(String runId, long version, String stepId, String eventName, String matchPath,
			String matchValue, Duration timeout) {
		long timeoutMillis = Math.max(0, timeout.toMillis());
		WaitStart recorded = this.support.transactions()
			.execute((status) -> record(runId, stepId, eventName, matchPath, matchValue, timeoutMillis));
		Assert.state(recorded != null, "A recorded wait has a start");
		for (int attempt = 1;; attempt++) {
			// Read only after the pending row committed: see the class Javadoc.
			EventLogPosition start = recorded.pending() ? end(runId, eventName) : null;
			WaitStart current = recorded;
			Parking parking = this.support.transactions()
				.execute((status) -> park(runId, version, stepId, timeoutMillis, start, current.generation(), status));
			Assert.state(parking != null, "Parking has an outcome");
			if (parking.restarted() == null) {
				return parking.parked();
			}
			if (attempt == MAX_START_ATTEMPTS) {
				throw new TransientDataAccessResourceException("The wait of run " + runId + " for event '" + eventName
						+ "' was restarted " + attempt + " times while it began; the run resumes later");
			}
			recorded = parking.restarted();
		}
	}

	private WaitStart record(String runId, String stepId, String eventName, String matchPath, String matchValue,
			long timeoutMillis) {
		MapSqlParameterSource wait = new MapSqlParameterSource("runId", runId).addValue("stepId", stepId)
			.addValue("eventName", JdbcStoreSupport.storable(eventName))
			.addValue("matchPath", JdbcStoreSupport.storable(matchPath))
			.addValue("matchValue", JdbcStoreSupport.storable(matchValue))
			.addValue("timeoutMillis", timeoutMillis);
		try {
			this.support.template().update(this.insertWait, wait);
		}
		catch (DuplicateKeyException ex) {
			// Recorded when the run first parked: keep its start and timeout
		}
		return readStart(runId, stepId);
	}

	private Parking park(String runId, long version, String stepId, long timeoutMillis,
			@Nullable EventLogPosition start, int generation, TransactionStatus status) {
		if (start != null) {
			int set = this.support.jdbc()
				.sql(SET_START)
				.param("runId", runId)
				.param("stepId", stepId)
				.param("start", start.format())
				.param("generation", generation)
				.update();
			if (set != 1) {
				WaitStart now = readStart(runId, stepId);
				if (now.pending()) {
					// A consumer restarted the wait after the log was read: read it
					// again.
					status.setRollbackOnly();
					return new Parking(false, now);
				}
			}
		}
		int updated = this.support.jdbc()
			.sql(this.support.render(AWAIT_RUN))
			.param("runId", runId)
			.param("version", version)
			.param("timeoutMillis", timeoutMillis)
			.update();
		if (updated != 1) {
			return new Parking(false, null);
		}
		Integer resolved = this.support.jdbc()
			.sql(COUNT_RESOLVED)
			.param("runId", runId)
			.param("stepId", stepId)
			.query(Integer.class)
			.single();
		if (resolved > 0) {
			this.wakeups.wake(runId);
		}
		return new Parking(true, null);
	}

	private WaitStart readStart(String runId, String stepId) {
		return this.support.jdbc()
			.sql(READ_START)
			.param("runId", runId)
			.param("stepId", stepId)
			.query((rs, row) -> new WaitStart(rs.getString("start_offsets") == null, rs.getInt("start_generation")))
			.single();
	}

	private EventLogPosition end(String runId, String eventName) {
		try {
			return this.eventLog.end(eventName);
		}
		catch (RuntimeException ex) {
			throw new TransientDataAccessResourceException("Could not read where the log of event '" + eventName
					+ "' ends, to begin the wait of run " + runId + "; the run resumes later: " + ex.getMessage(), ex);
		}
	}

	@Override
	public List<EventWait> findByRun(String runId) {
		return this.support.jdbc().sql(FIND_BY_RUN).param("runId", runId).query(this::mapWait).list();
	}

	@Override
	public @Nullable EventWait find(String runId, String stepId) {
		return this.support.jdbc()
			.sql(FIND)
			.param("runId", runId)
			.param("stepId", stepId)
			.query(this::mapWait)
			.optional()
			.orElse(null);
	}

	@Override
	public void delete(String runId, String stepId) {
		this.support.jdbc().sql(DELETE).param("runId", runId).param("stepId", stepId).update();
	}

	@Override
	public @Nullable Instant oldestOpenWait() {
		List<@Nullable Instant> oldest = this.support.jdbc()
			.sql(OLDEST_OPEN)
			.query((rs, row) -> this.support.getInstant(rs, "oldest"))
			.list();
		return oldest.isEmpty() ? null : oldest.get(0);
	}

	@Override
	public boolean eventsReadThrough(EventWait wait) {
		String start = this.support.jdbc()
			.sql(READ_START)
			.param("runId", wait.runId())
			.param("stepId", wait.stepId())
			.query((rs, row) -> rs.getString("start_offsets"))
			.optional()
			.orElse(null);
		// A wait that never got its start matches every event of the log.
		EventLogPosition from = (start != null) ? EventLogPosition.parse(start) : EventLogPosition.START;
		return this.eventLog.readThrough(wait.eventName(), from, wait.expiresAt());
	}

	@Override
	public Map<String, EventLogPosition> earliestOpenWaitStarts() {
		Map<String, EventLogPosition> starts = new LinkedHashMap<>();
		this.support.jdbc().sql(OPEN_STARTS).query((rs) -> {
			String start = rs.getString("start_offsets");
			starts.merge(rs.getString("event_name"),
					(start != null) ? EventLogPosition.parse(start) : EventLogPosition.START,
					EventLogPosition::earliest);
		});
		return starts;
	}

	@Override
	public Map<String, Set<String>> matchPaths(Collection<String> eventNames) {
		Map<String, Set<String>> paths = new LinkedHashMap<>();
		if (eventNames.isEmpty()) {
			return paths;
		}
		List<String> names = eventNames.stream().map(JdbcStoreSupport::storable).distinct().toList();
		this.support.jdbc().sql(MATCH_PATHS).param("eventNames", names).query((rs) -> {
			paths.computeIfAbsent(rs.getString("event_name"), (name) -> new LinkedHashSet<>())
				.add(rs.getString("match_path"));
		});
		return paths;
	}

	@Override
	public Resolution resolve(Arrival event, String matchPath, String matchValue, boolean restartPending) {
		Resolution resolution = this.support.transactions().execute((status) -> {
			List<String[]> waits = this.support.jdbc()
				.sql(LOCK_MATCHING)
				.param("eventName", JdbcStoreSupport.storable(event.eventName()))
				.param("matchPath", JdbcStoreSupport.storable(matchPath))
				.param("matchValue", JdbcStoreSupport.storable(matchValue))
				.query((rs,
						row) -> new String[] { rs.getString("run_id"), rs.getString("step_id"),
								rs.getString("start_offsets") })
				.list();
			int resolved = 0;
			int pending = 0;
			for (String[] wait : waits) {
				if (wait[2] == null) {
					if (restartPending) {
						this.support.jdbc().sql(RESTART).param("runId", wait[0]).param("stepId", wait[1]).update();
					}
					else {
						pending++;
					}
				}
				else if (EventLogPosition.parse(wait[2]).precedes(event.partition(), event.offset())) {
					this.support.jdbc()
						.sql(RESOLVE)
						.param("runId", wait[0])
						.param("stepId", wait[1])
						.param("eventJson", JdbcStoreSupport.storable(event.eventJson()), Types.VARCHAR)
						.update();
					this.wakeups.wake(wait[0]);
					resolved++;
				}
			}
			return new Resolution(resolved, pending);
		});
		return (resolution != null) ? resolution : new Resolution(0, 0);
	}

	private EventWait mapWait(ResultSet rs, int row) throws SQLException {
		return new EventWait(rs.getString("run_id"), rs.getString("step_id"), rs.getString("event_name"),
				rs.getString("match_path"), rs.getString("match_value"),
				this.support.getRequiredInstant(rs, "created_at"), this.support.getRequiredInstant(rs, "expires_at"),
				rs.getString("resolved_event"));
	}

	/**
	 * Whether a recorded wait has a start yet, and the generation of its start.
	 */
	private record WaitStart(boolean pending, int generation) {

	}

	/**
	 * The outcome of parking: whether the run was parked, or the restarted wait whose
	 * start must be read again.
	 */
	private record Parking(boolean parked, @Nullable WaitStart restarted) {

	}

}
