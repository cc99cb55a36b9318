package dev.backgroundjobs.jdbc;

import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link RunInsights} on a relational database through {@code JdbcClient}. Each query
 * reads one index range: {@code bj_runs_created_idx}, {@code bj_runs_finished_idx} and
 * the primary key and parent index of {@code bj_invocations}.
 */
public class JdbcRunInsights implements RunInsights {

	private static final String COUNT_CREATED_SINCE = "SELECT COUNT(*) FROM bj_runs WHERE created_at >= :since";

	private static final String COUNT_FINISHED_SINCE = """
			SELECT COUNT(*) FROM bj_runs WHERE status = :status AND finished_at IS NOT NULL AND finished_at >= :since
			""";

	private static final String FIND_PARENT = "SELECT parent_run_id FROM bj_invocations WHERE child_run_id = :runId";

	private static final String FIND_CHILDREN = JdbcRunQueries.SELECT_RUNS + """
			 WHERE run_id IN (SELECT child_run_id FROM bj_invocations WHERE parent_run_id = :runId)
			ORDER BY created_at, run_id LIMIT :limit
			""";

	private final JdbcStoreSupport support;

	private final JdbcRunQueries queries;

	/**
	 * Creates the queries on a data source.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcRunInsights(DataSource dataSource, DatabaseDialect dialect) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(dialect, "'dialect' must not be null");
		this.support = new JdbcStoreSupport(dataSource, dialect, new JdbcTransactionManager(dataSource));
		this.queries = new JdbcRunQueries(this.support);
	}

	@Override
	public long countCreatedSince(Instant since) {
		return count(COUNT_CREATED_SINCE, null, since);
	}

	@Override
	public long countFinishedSince(RunStatus status, Instant since) {
		Assert.notNull(status, "'status' must not be null");
		return count(COUNT_FINISHED_SINCE, status, since);
	}

	private long count(String sql, @Nullable RunStatus status, Instant since) {
		Assert.notNull(since, "'since' must not be null");
		JdbcClient.StatementSpec statement = this.support.jdbc().sql(sql).param("since", this.support.bind(since));
		if (status != null) {
			statement = statement.param("status", status.name());
		}
		Long count = statement.query(Long.class).single();
		return (count != null) ? count : 0;
	}

	@Override
	public @Nullable String findParentRunId(String runId) {
		Assert.notNull(runId, "'runId' must not be null");
		return this.support.jdbc().sql(FIND_PARENT).param("runId", runId).query(String.class).optional().orElse(null);
	}

	@Override
	public List<RunRecord> findChildRuns(String runId, int limit) {
		Assert.notNull(runId, "'runId' must not be null");
		return this.support.jdbc()
			.sql(FIND_CHILDREN)
			.param("runId", runId)
			.param("limit", limit)
			.query(this.queries::mapRun)
			.list();
	}

}
