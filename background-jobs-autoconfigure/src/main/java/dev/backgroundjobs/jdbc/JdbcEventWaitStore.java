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

import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.EventWaitStore;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@link EventWaitStore} on a relational database through {@code JdbcClient}.
 * <p>
 * Resolving locks the matching waits before it wakes their runs, and parking updates the
 * run before it records (or reads) its wait, so a wait resolved while its run re-parks is
 * seen by one side or the other.
 */
public class JdbcEventWaitStore implements EventWaitStore {

	private static final String AWAIT_RUN = """
			UPDATE bj_runs
			SET status = 'WAITING', wake_at = ${now + timeoutMillis}, lease_owner = NULL, lease_until = NULL,
					error = NULL
			WHERE run_id = :runId AND version = :version AND status IN ('QUEUED', 'RUNNING')
			""";

	private static final String INSERT_WAIT = """
			INSERT INTO bj_event_waits (run_id, step_id, event_name, match_path, match_value, created_at, expires_at)
			VALUES (:runId, :stepId, :eventName, :matchPath, :matchValue, ${now}, ${now + timeoutMillis})
			""";

	private static final String COUNT_RESOLVED = """
			SELECT COUNT(*) FROM bj_event_waits
			WHERE run_id = :runId AND step_id = :stepId AND resolved_event IS NOT NULL
			""";

	private static final String WAKE_WAITING = """
			UPDATE bj_runs SET status = 'SLEEPING', wake_at = ${now} WHERE run_id = :runId AND status = 'WAITING'
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

	private static final String MATCH_PATHS = """
			SELECT DISTINCT event_name, match_path FROM bj_event_waits
			WHERE event_name IN (:eventNames) AND resolved_event IS NULL
			""";

	private static final String LOCK_MATCHING = """
			SELECT run_id, step_id FROM bj_event_waits
			WHERE event_name = :eventName AND match_path = :matchPath AND match_value = :matchValue
					AND resolved_event IS NULL AND created_at <= :eventTime
			FOR UPDATE
			""";

	private static final String RESOLVE = """
			UPDATE bj_event_waits SET resolved_event = :eventJson
			WHERE run_id = :runId AND step_id = :stepId AND resolved_event IS NULL
			""";

	private final JdbcStoreSupport support;

	private final String insertWait;

	/**
	 * Creates a store, using a {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcEventWaitStore(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcEventWaitStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.insertWait = dialect.insertIgnoringDuplicates(dialect.render(INSERT_WAIT));
	}

	@Override
	public boolean awaitEvent(String runId, long version, String stepId, String eventName, String matchPath,
			String matchValue, Duration timeout) {
		Boolean parked = this.support.transactions().execute((status) -> {
			long timeoutMillis = Math.max(0, timeout.toMillis());
			int updated = this.support.jdbc()
				.sql(this.support.render(AWAIT_RUN))
				.param("runId", runId)
				.param("version", version)
				.param("timeoutMillis", timeoutMillis)
				.update();
			if (updated != 1) {
				return false;
			}
			MapSqlParameterSource wait = new MapSqlParameterSource("runId", runId).addValue("stepId", stepId)
				.addValue("eventName", eventName)
				.addValue("matchPath", matchPath)
				.addValue("matchValue", matchValue)
				.addValue("timeoutMillis", timeoutMillis);
			try {
				this.support.template().update(this.insertWait, wait);
			}
			catch (DuplicateKeyException ex) {
				// Recorded when the run first parked: keep its start and timeout
			}
			Integer resolved = this.support.jdbc()
				.sql(COUNT_RESOLVED)
				.param("runId", runId)
				.param("stepId", stepId)
				.query(Integer.class)
				.single();
			if (resolved > 0) {
				wake(runId);
			}
			return true;
		});
		return Boolean.TRUE.equals(parked);
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
	public Map<String, Set<String>> matchPaths(Collection<String> eventNames) {
		Map<String, Set<String>> paths = new LinkedHashMap<>();
		if (eventNames.isEmpty()) {
			return paths;
		}
		this.support.jdbc()
			.sql(MATCH_PATHS)
			.param("eventNames", List.copyOf(new LinkedHashSet<>(eventNames)))
			.query((rs) -> {
				paths.computeIfAbsent(rs.getString("event_name"), (name) -> new LinkedHashSet<>())
					.add(rs.getString("match_path"));
			});
		return paths;
	}

	@Override
	public int resolve(String eventName, String matchPath, String matchValue, Instant eventTime, String eventJson) {
		Integer resolved = this.support.transactions().execute((status) -> {
			List<String[]> waits = this.support.jdbc()
				.sql(LOCK_MATCHING)
				.param("eventName", eventName)
				.param("matchPath", matchPath)
				.param("matchValue", matchValue)
				.param("eventTime", this.support.bind(eventTime))
				.query((rs, row) -> new String[] { rs.getString("run_id"), rs.getString("step_id") })
				.list();
			for (String[] wait : waits) {
				this.support.jdbc()
					.sql(RESOLVE)
					.param("runId", wait[0])
					.param("stepId", wait[1])
					.param("eventJson", eventJson, Types.VARCHAR)
					.update();
				wake(wait[0]);
			}
			return waits.size();
		});
		return (resolved != null) ? resolved : 0;
	}

	private void wake(String runId) {
		this.support.jdbc().sql(this.support.render(WAKE_WAITING)).param("runId", runId).update();
	}

	private EventWait mapWait(ResultSet rs, int row) throws SQLException {
		return new EventWait(rs.getString("run_id"), rs.getString("step_id"), rs.getString("event_name"),
				rs.getString("match_path"), rs.getString("match_value"),
				this.support.getRequiredInstant(rs, "created_at"), this.support.getRequiredInstant(rs, "expires_at"),
				rs.getString("resolved_event"));
	}

}
