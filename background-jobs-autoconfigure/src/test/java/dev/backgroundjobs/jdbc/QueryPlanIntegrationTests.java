package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.ExplainingDataSource;
import dev.backgroundjobs.testsupport.ExplainingDataSource.ExplainedStatement;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plans PostgreSQL chooses for the queries that run on every health check, gauge
 * scrape, endpoint call and retention round, on tables of many rows: each reads
 * {@code bj_runs} and {@code bj_steps} through an index, never sequentially. Plans, not
 * timings, are asserted, so the test holds on a loaded machine.
 * <p>
 * The tables are filled with {@code background-jobs.test.plan-rows} runs (200,000 by
 * default; 1,000,000 for the full size, see docs/development.md), two steps each, mostly
 * completed and old, the unfinished ones the newest, as in a busy application.
 */
@TestInstance(Lifecycle.PER_CLASS)
class QueryPlanIntegrationTests {

	private static final int RUNS = Integer.getInteger("background-jobs.test.plan-rows", 200_000);

	private ExplainingDataSource dataSource;

	private JdbcRunStore runs;

	@BeforeAll
	void fillTables() {
		DataSource database = TestDatabases.postgres("bj_query_plans");
		new BackgroundJobsDataSourceScriptDatabaseInitializer(database, new BackgroundJobsJdbcProperties())
			.initializeDatabase();
		JdbcClient jdbc = JdbcClient.create(database);
		for (String table : List.of("bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits", "bj_runs")) {
			jdbc.sql("TRUNCATE " + table).update();
		}
		// Run i was created RUNS - i seconds ago: the newest hundred are unfinished, one
		// in
		// fifty failed and one in ninety-seven was cancelled.
		jdbc.sql("""
				INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status, attempt,
						version, handler_failures, lease_owner, lease_until, wake_at, created_at, started_at,
						finished_at, output)
				SELECT 'run-' || i, 'fn-' || (i % 20), 'event-' || i, 'test/event', '{"id":' || i || ',"pad":"'
						|| repeat('x', 200) || '"}', t, s, 1, 1, 0,
						CASE WHEN s IN ('RUNNING', 'QUEUED') THEN 'instance-1' END,
						CASE WHEN s IN ('RUNNING', 'QUEUED') THEN now() + interval '8 seconds' END,
						CASE WHEN s IN ('SLEEPING', 'WAITING') THEN now() + interval '1 hour' END,
						t, t, CASE WHEN s IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN t + interval '1 second' END,
						CASE WHEN s = 'COMPLETED' THEN '"done"' END
				FROM (SELECT i, now() - (:runs - i) * interval '1 second' AS t,
						CASE WHEN i > :runs - 100 THEN (ARRAY['QUEUED', 'RUNNING', 'SLEEPING', 'WAITING'])[i % 4 + 1]
							WHEN i % 50 = 0 THEN 'FAILED' WHEN i % 97 = 0 THEN 'CANCELLED'
							ELSE 'COMPLETED' END AS s
					FROM generate_series(1, :runs) AS i) AS generated
				""").param("runs", RUNS).update();
		jdbc.sql("""
				INSERT INTO bj_steps (run_id, step_id, status, attempts, output, started_at, finished_at)
				SELECT run_id, step_id, 'COMPLETED', 1, '"ok"', created_at, created_at
				FROM bj_runs, (VALUES ('first'), ('second')) AS steps (step_id)
				""").update();
		jdbc.sql("""
				INSERT INTO bj_dead_letters (id, run_id, function_id, step_id, error, record_partition, record_offset,
						publish_pending, published_at, created_at)
				SELECT run_id, run_id, function_id, 'second', 'boom', -1, -1, 0, finished_at, finished_at
				FROM bj_runs WHERE status = 'FAILED'
				""").update();
		jdbc.sql("""
				INSERT INTO bj_invocations (child_run_id, parent_run_id, parent_step_id, created_at)
				SELECT 'run-' || (i + 1), 'run-' || i, 'call', now() FROM generate_series(1, :runs - 1, 100) AS i
				""").param("runs", RUNS).update();
		// As autovacuum would: statistics, and the visibility map index-only scans use.
		for (String table : List.of("bj_runs", "bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits")) {
			jdbc.sql("VACUUM ANALYZE " + table).update();
		}
		this.dataSource = new ExplainingDataSource(database);
		this.runs = new JdbcRunStore(this.dataSource, DatabaseDialect.POSTGRESQL);
	}

	@Test
	void healthAndGaugeQueriesReadRunsThroughIndexes() {
		this.dataSource.clear();
		Map<RunStatus, Long> counts = this.runs.countByStatus();
		assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(RUNS);
		assertThat(this.runs.oldestCreatedAt(RunStatus.QUEUED)).isNotNull();
		JdbcDeadLetterStore deadLetters = new JdbcDeadLetterStore(this.dataSource, DatabaseDialect.POSTGRESQL);
		deadLetters.count();
		deadLetters.countUnpublished();
		List<ExplainedStatement> explained = this.dataSource.explained();
		assertThat(explained).hasSize(4);
		assertNoSequentialScans(explained);
		// The oldest queued run is one index entry away, not a walk past every older
		// finished run.
		assertThat(explained.get(1).indexConditionsOn("bj_runs")).singleElement()
			.asString()
			.contains("status = 'QUEUED'");
	}

	@Test
	void endpointQueriesReadRunsAndStepsThroughIndexes() {
		RunRecord page = this.runs.findRuns(new RunQuery(null, null, null, 21)).get(20);
		this.dataSource.clear();
		assertThat(this.runs.findRuns(new RunQuery(null, null, null, 21))).hasSize(21);
		assertThat(this.runs.findRuns(new RunQuery(null, null, page.runId(), 21))).hasSize(21);
		assertThat(this.runs.findRuns(new RunQuery(RunStatus.FAILED, null, null, 21))).hasSize(21);
		assertThat(this.runs.findRuns(new RunQuery(RunStatus.COMPLETED, null, page.runId(), 21))).hasSize(21);
		assertThat(this.runs.findRuns(new RunQuery(null, "fn-3", null, 21))).hasSize(21);
		assertThat(this.runs.findRuns(new RunQuery(RunStatus.FAILED, "fn-10", null, 21))).hasSize(21);
		assertThat(this.runs.find(page.runId())).isNotNull();
		assertThat(new JdbcStepStore(this.dataSource, DatabaseDialect.POSTGRESQL).findSteps(page.runId())).hasSize(2);
		new JdbcDeadLetterStore(this.dataSource, DatabaseDialect.POSTGRESQL).findAll(21);
		assertNoSequentialScans(this.dataSource.explained());
		// A later page starts at its cursor in the index instead of skipping the runs
		// of every page before it.
		assertThat(
				this.dataSource.explained().stream().filter((statement) -> statement.sql().contains("created_at <= ?")))
			.hasSize(2)
			.allSatisfy((statement) -> assertThat(statement.indexConditionsOn("bj_runs")).singleElement()
				.asString()
				.contains("created_at <="));
	}

	@Test
	void dashboardQueriesReadRunsDeadLettersAndInvocationsThroughIndexes() {
		RunRecord newest = this.runs.findRuns(new RunQuery(null, null, null, 1)).get(0);
		JdbcRunInsights insights = new JdbcRunInsights(this.dataSource, DatabaseDialect.POSTGRESQL);
		this.dataSource.clear();
		assertThat(this.runs.findRuns(new RunQuery(null, null, null, 21, null, null, newest.eventId()))).singleElement()
			.extracting(RunRecord::runId)
			.isEqualTo(newest.runId());
		Instant to = newest.createdAt().minusSeconds(RUNS / 2);
		assertThat(this.runs.findRuns(new RunQuery(null, null, null, 21, to.minusSeconds(3600), to, null))).hasSize(21);
		assertThat(this.runs.findRuns(new RunQuery(RunStatus.CANCELLED, "fn-3", null, 21))).isNotEmpty();
		assertThat(insights.countCreatedSince(newest.createdAt().minusSeconds(3600))).isPositive();
		insights.countFinishedSince(RunStatus.FAILED, newest.createdAt().minusSeconds(3600));
		// Run i invoked run i + 1 for every i = 1 + 100k; this pair is past what the
		// retention test deletes.
		int parent = 1 + 100 * (RUNS / 200);
		assertThat(insights.findParentRunId("run-" + (parent + 1))).isEqualTo("run-" + parent);
		assertThat(insights.findChildRuns("run-" + parent, 100)).extracting(RunRecord::runId)
			.containsExactly("run-" + (parent + 1));
		new JdbcDeadLetterStore(this.dataSource, DatabaseDialect.POSTGRESQL).findByFunction("fn-10", 21);
		assertThat(this.dataSource.explained()).allSatisfy((statement) -> assertThat(
				statement.sequentialScansOf("bj_runs", "bj_steps", "bj_dead_letters", "bj_invocations"))
			.as("sequential scans in %s", statement)
			.isEmpty());
	}

	@Test
	void retentionQueriesReadRunsAndStepsThroughIndexes() {
		JdbcRetentionStore retention = new JdbcRetentionStore(this.dataSource, DatabaseDialect.POSTGRESQL);
		this.dataSource.clear();
		assertThat(retention.deleteFinishedRuns(RunStatus.COMPLETED, Duration.ofSeconds(RUNS / 2), 500).runs())
			.isEqualTo(500);
		assertThat(retention.deleteFinishedRuns(RunStatus.FAILED, Duration.ofSeconds(RUNS / 2), 500).runs())
			.isEqualTo(500);
		assertThat(retention.deletePublishedDeadLetters(Duration.ofSeconds(RUNS / 2), 500).deadLetters()).isZero();
		List<ExplainedStatement> explained = this.dataSource.explained();
		assertThat(explained).hasSizeGreaterThanOrEqualTo(15);
		assertNoSequentialScans(explained);
	}

	private static void assertNoSequentialScans(List<ExplainedStatement> explained) {
		assertThat(explained).allSatisfy((statement) -> assertThat(statement.sequentialScansOf("bj_runs", "bj_steps"))
			.as("sequential scans in %s", statement)
			.isEmpty());
	}

}
