package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.util.Assert;

/**
 * The read-only queries of {@link JdbcRunStore}, and the mapping of a {@code bj_runs} row
 * to a {@link RunRecord}: kept apart so the run store reads as its state transitions.
 * Each query joins the caller's transaction when there is one.
 */
final class JdbcRunQueries {

	private static final String RUN_COLUMNS = """
			run_id, function_id, event_id, event_name, event_data, event_time, status, attempt, version, \
			handler_failures, lease_owner, lease_until, wake_at, output, error, created_at, started_at, finished_at, \
			trace_context""";

	static final String SELECT_RUNS = "SELECT " + RUN_COLUMNS + " FROM bj_runs";

	private static final String FIND_RUN = "SELECT " + RUN_COLUMNS + " FROM bj_runs WHERE run_id = :runId";

	private static final String FIND_RUNS_BY_ID = "SELECT " + RUN_COLUMNS + " FROM bj_runs WHERE run_id IN (:runIds)";

	private static final String FIND_RUNS = "SELECT " + RUN_COLUMNS + " FROM bj_runs WHERE 1 = 1";

	private static final String STATUS_FILTER = " AND status = :status";

	private static final String FUNCTION_FILTER = " AND function_id = :functionId";

	private static final String CREATED_FROM_FILTER = " AND created_at >= :createdFrom";

	private static final String CREATED_TO_FILTER = " AND created_at < :createdTo";

	private static final String EVENT_FILTER = " AND event_id = :eventId";

	// created_at <= first, so that the index scan starts at the cursor instead of
	// skipping every newer run.
	private static final String BEFORE_FILTER = " AND created_at <= :beforeCreatedAt"
			+ " AND (created_at < :beforeCreatedAt OR run_id < :before)";

	private static final String NEWEST_FIRST = " ORDER BY created_at DESC, run_id DESC LIMIT :limit";

	private static final String SELECT_CREATED_AT = "SELECT created_at FROM bj_runs WHERE run_id = :runId";

	private static final String OLDEST_CREATED = "SELECT MIN(created_at) AS oldest FROM bj_runs WHERE status = :status";

	private static final String LATEST_EVENT_TIME = """
			SELECT MAX(event_time) AS latest FROM bj_runs WHERE function_id = :functionId AND event_name = :eventName
			""";

	private static final String COUNT_BY_STATUS = "SELECT status, COUNT(*) AS runs FROM bj_runs GROUP BY status";

	private final JdbcStoreSupport support;

	JdbcRunQueries(JdbcStoreSupport support) {
		this.support = support;
	}

	/**
	 * See {@link RunStore#find}.
	 * @param runId the run id
	 * @return the run, or {@code null} if unknown
	 */
	@Nullable RunRecord find(String runId) {
		return this.support.jdbc().sql(FIND_RUN).param("runId", runId).query(this::mapRun).optional().orElse(null);
	}

	/**
	 * See {@link RunStore#findAll}.
	 * @param runIds the run ids
	 * @return the runs found, in no particular order
	 */
	List<RunRecord> findAll(Collection<String> runIds) {
		if (runIds.isEmpty()) {
			return List.of();
		}
		List<RunRecord> runs = new ArrayList<>(runIds.size());
		List<String> ids = List.copyOf(new LinkedHashSet<>(runIds));
		for (List<String> chunk : JdbcStoreSupport.chunks(ids, JdbcStoreSupport.MAX_LIST_SIZE)) {
			runs.addAll(this.support.jdbc().sql(FIND_RUNS_BY_ID).param("runIds", chunk).query(this::mapRun).list());
		}
		return runs;
	}

	/**
	 * See {@link RunStore#findRuns}.
	 * @param query the filter
	 * @return the runs, newest first
	 */
	List<RunRecord> findRuns(RunQuery query) {
		Assert.notNull(query, "'query' must not be null");
		if (query.limit() <= 0) {
			return List.of();
		}
		StringBuilder sql = new StringBuilder(FIND_RUNS);
		MapSqlParameterSource parameters = new MapSqlParameterSource("limit", query.limit());
		if (query.status() != null) {
			sql.append(STATUS_FILTER);
			parameters.addValue("status", query.status().name());
		}
		if (query.functionId() != null) {
			sql.append(FUNCTION_FILTER);
			parameters.addValue("functionId", query.functionId());
		}
		if (query.createdFrom() != null) {
			sql.append(CREATED_FROM_FILTER);
			parameters.addValue("createdFrom", this.support.bind(query.createdFrom()));
		}
		if (query.createdTo() != null) {
			sql.append(CREATED_TO_FILTER);
			parameters.addValue("createdTo", this.support.bind(query.createdTo()));
		}
		if (query.eventId() != null) {
			sql.append(EVENT_FILTER);
			parameters.addValue("eventId", query.eventId());
		}
		if (query.before() != null) {
			Object beforeCreatedAt = this.support.jdbc()
				.sql(SELECT_CREATED_AT)
				.param("runId", query.before())
				.query((rs, row) -> this.support.bind(this.support.getRequiredInstant(rs, "created_at")))
				.optional()
				.orElse(null);
			if (beforeCreatedAt == null) {
				return List.of();
			}
			sql.append(BEFORE_FILTER);
			parameters.addValue("before", query.before()).addValue("beforeCreatedAt", beforeCreatedAt);
		}
		sql.append(NEWEST_FIRST);
		return this.support.jdbc().sql(sql.toString()).paramSource(parameters).query(this::mapRun).list();
	}

	/**
	 * See {@link RunStore#countByStatus}.
	 * @return the count per status
	 */
	Map<RunStatus, Long> countByStatus() {
		Map<RunStatus, Long> counts = new EnumMap<>(RunStatus.class);
		RowCallbackHandler count = (rs) -> counts.put(RunStatus.valueOf(rs.getString("status")), rs.getLong("runs"));
		this.support.jdbc().sql(COUNT_BY_STATUS).query(count);
		return counts;
	}

	/**
	 * See {@link RunStore#oldestCreatedAt}.
	 * @param status the status
	 * @return the creation time of the oldest such run, or {@code null}
	 */
	@Nullable Instant oldestCreatedAt(RunStatus status) {
		List<@Nullable Instant> oldest = this.support.jdbc()
			.sql(OLDEST_CREATED)
			.param("status", status.name())
			.query((rs, row) -> this.support.getInstant(rs, "oldest"))
			.list();
		return oldest.isEmpty() ? null : oldest.get(0);
	}

	/**
	 * See {@link RunStore#latestEventTime}.
	 * @param functionId the function id
	 * @param eventName the event name
	 * @return the latest event time, or {@code null}
	 */
	@Nullable Instant latestEventTime(String functionId, String eventName) {
		// MAX over the (function_id, event_name, event_time) index reads one entry.
		List<Instant> latest = this.support.jdbc()
			.sql(LATEST_EVENT_TIME)
			.param("functionId", functionId)
			.param("eventName", eventName)
			.query((rs, row) -> this.support.getInstant(rs, "latest"))
			.list();
		return latest.isEmpty() ? null : latest.get(0);
	}

	RunRecord mapRun(ResultSet rs, int row) throws SQLException {
		return new RunRecord(rs.getString("run_id"), rs.getString("function_id"), rs.getString("event_id"),
				rs.getString("event_name"), rs.getString("event_data"),
				this.support.getRequiredInstant(rs, "event_time"), RunStatus.valueOf(rs.getString("status")),
				rs.getInt("attempt"), rs.getLong("version"), rs.getInt("handler_failures"), rs.getString("lease_owner"),
				this.support.getInstant(rs, "lease_until"), this.support.getInstant(rs, "wake_at"),
				rs.getString("output"), rs.getString("error"), this.support.getRequiredInstant(rs, "created_at"),
				this.support.getInstant(rs, "started_at"), this.support.getInstant(rs, "finished_at"),
				rs.getString("trace_context"));
	}

}
