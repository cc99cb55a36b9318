package dev.backgroundjobs.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.dashboard.OverviewCounts;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDeadLetterStore;
import dev.backgroundjobs.jdbc.JdbcEventWaitStore;
import dev.backgroundjobs.jdbc.JdbcRunInsights;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.jdbc.JdbcStepStore;
import dev.backgroundjobs.jdbc.SchemaMigrator;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunStore;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.unit.DataSize;

/**
 * Times the queries behind each page of the web dashboard on PostgreSQL with a large
 * {@code bj_runs} table (1,000,000 runs by default): it fills the table in its own
 * schema, then makes the same store and endpoint calls as the dashboard's API for each
 * page and reports the median and the slowest of 25 timed calls after 5 warm-up calls.
 * <p>
 * Run it with {@code ./mvnw -B -pl benchmarks -am verify -Pdashboard-bench -DskipTests}
 * ({@code -Ddashboard.bench.args="--runs=200000"} for fewer runs). System properties
 * {@code bench.jdbc.url}, {@code bench.jdbc.username} and {@code bench.jdbc.password}
 * choose the database, as for {@link BenchmarkMain}.
 */
public final class DashboardBenchmark {

	private static final String SCHEMA = "bj_dashboard_bench";

	private static final int WARM_UP = 5;

	private static final int TIMED = 25;

	private static final int FUNCTIONS = 10;

	// One run every 100 ms: 1,000,000 runs span about 28 hours, 36,000 of them in the
	// last hour. 1% failed (each with a dead letter), 2% sleeping, 0.2% queued.
	private static final String FILL_RUNS = """
			INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status, attempt,
					version, handler_failures, wake_at, output, error, created_at, started_at, finished_at)
			SELECT md5(i::text)::uuid::text, 'function-' || (i % %1$d), 'event-' || i, 'bench/event-' || (i %% %1$d),
					'{"orderId": ' || i || ', "customer": "c-' || (i %% 977) || '"}', t, s, 1, 1, 0,
					CASE WHEN s = 'SLEEPING' THEN t + interval '1 day' END,
					CASE WHEN s = 'COMPLETED' THEN '"done"' END,
					CASE WHEN s = 'FAILED' THEN 'java.lang.IllegalStateException: Upstream unavailable' END,
					t, t, CASE WHEN s IN ('COMPLETED', 'FAILED') THEN t + interval '1500 milliseconds' END
			FROM (SELECT i, clock_timestamp() - i * interval '100 milliseconds' AS t,
					CASE WHEN i %% 100 = 0 THEN 'FAILED' WHEN i %% 50 = 1 THEN 'SLEEPING'
						WHEN i %% 500 = 2 THEN 'QUEUED' ELSE 'COMPLETED' END AS s
				FROM generate_series(:from, :to) AS i) AS g
			""".replace("%1$d", Integer.toString(FUNCTIONS)).replace("%%", "%");

	private static final String FILL_STEPS = """
			INSERT INTO bj_steps (run_id, step_id, status, attempts, output, error, started_at, finished_at)
			SELECT r.run_id, 'step-' || n, 'COMPLETED', 1, '{"n": ' || n || '}', NULL,
					r.created_at + n * interval '100 milliseconds', r.created_at + (n + 1) * interval '100 milliseconds'
			FROM bj_runs r CROSS JOIN generate_series(1, 4) AS n
			WHERE r.status = 'COMPLETED' AND r.created_at > clock_timestamp() - interval '1 hour'
			""";

	private static final String FILL_DEAD_LETTERS = """
			INSERT INTO bj_dead_letters (id, run_id, function_id, step_id, error, record_topic, record_partition,
					record_offset, publish_pending, created_at)
			SELECT run_id, run_id, function_id, 'step-1', error, NULL, -1, -1, 0, finished_at
			FROM bj_runs WHERE status = 'FAILED'
			""";

	private static final String FILL_INVOCATIONS = """
			INSERT INTO bj_invocations (child_run_id, parent_run_id, parent_step_id, created_at)
			SELECT c.run_id, p.run_id, 'invoke', c.created_at
			FROM (SELECT run_id, created_at, row_number() OVER (ORDER BY run_id) AS k FROM bj_runs LIMIT 2000) AS c
			JOIN (SELECT run_id, row_number() OVER (ORDER BY run_id DESC) AS k FROM bj_runs LIMIT 200) AS p
				ON c.k %% 200 = p.k - 1
			""".replace("%%", "%");

	private DashboardBenchmark() {
	}

	/**
	 * Fills the table and prints the timings as a Markdown table.
	 * @param args {@code --runs=N} and {@code --output=FILE}, both optional
	 * @throws IOException if the output file cannot be written
	 */
	public static void main(String[] args) throws IOException {
		int runCount = Integer.parseInt(option(args, "--runs=", "1000000"));
		String output = option(args, "--output=", "");
		try (Infrastructure infrastructure = new Infrastructure(
				System.getProperty("bench.jdbc.url", Infrastructure.DEFAULT_URL),
				System.getProperty("bench.jdbc.username", "postgres"), System.getProperty("bench.jdbc.password", ""))) {
			DataSource dataSource = infrastructure.dataSource(SCHEMA, 4);
			new SchemaMigrator(dataSource, DatabaseDialect.POSTGRESQL).migrate();
			fill(dataSource, runCount);
			String table = measure(dataSource, runCount);
			System.out.println(table);
			if (!output.isEmpty()) {
				Files.writeString(Path.of(output), table);
			}
		}
	}

	private static void fill(DataSource dataSource, int runCount) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		long started = System.nanoTime();
		for (int from = 1; from <= runCount; from += 100_000) {
			jdbc.sql(FILL_RUNS).param("from", from).param("to", Math.min(runCount, from + 99_999)).update();
		}
		jdbc.sql(FILL_STEPS).update();
		jdbc.sql(FILL_DEAD_LETTERS).update();
		jdbc.sql(FILL_INVOCATIONS).update();
		jdbc.sql("ANALYZE").update();
		System.out.printf("Filled %,d runs in %d s%n", runCount,
				Duration.ofNanos(System.nanoTime() - started).toSeconds());
	}

	private static String measure(DataSource dataSource, int runCount) {
		DatabaseDialect dialect = DatabaseDialect.POSTGRESQL;
		RunStore runStore = new JdbcRunStore(dataSource, dialect);
		JdbcDeadLetterStore deadLetters = new JdbcDeadLetterStore(dataSource, dialect);
		RunInsights insights = new JdbcRunInsights(dataSource, dialect);
		JobsEndpoint endpoint = new JobsEndpoint(new FunctionRegistry(), runStore,
				new JdbcStepStore(dataSource, dialect), deadLetters, new ReadOnlyRunOperations(),
				new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1)),
				new JdbcEventWaitStore(dataSource, dialect, (eventName) -> EventLogPosition.START));
		JdbcClient jdbc = JdbcClient.create(dataSource);
		String recentRun = jdbc.sql("SELECT run_id FROM bj_steps ORDER BY started_at DESC LIMIT 1")
			.query(String.class)
			.single();
		String parentRun = jdbc.sql("SELECT parent_run_id FROM bj_invocations LIMIT 1").query(String.class).single();
		String middleRun = jdbc
			.sql("SELECT run_id FROM bj_runs ORDER BY created_at DESC, run_id DESC OFFSET :offset LIMIT 1")
			.param("offset", runCount / 2)
			.query(String.class)
			.single();
		String eventId = "event-" + (runCount / 3);
		Instant now = Instant.now();
		Map<String, Supplier<?>> pages = new LinkedHashMap<>();
		// The overview answers from a snapshot of its counts, refreshed behind the
		// request when older than the page's refresh interval (5 s by default). The
		// first warm-up call reads it, as the first request of a dashboard does.
		OverviewCounts overviewCounts = new OverviewCounts(runStore, deadLetters, insights, Clock.systemUTC(),
				Duration.ofSeconds(5));
		pages.put("Overview (as served, from the counts snapshot)", overviewCounts::get);
		pages.put("Overview counts snapshot (read behind the request)",
				() -> Arrays.asList(runStore.countByStatus(), deadLetters.count(),
						insights.countCreatedSince(now.minusSeconds(3600)),
						insights.countFinishedSince(RunStatus.COMPLETED, now.minusSeconds(3600)),
						insights.countFinishedSince(RunStatus.FAILED, now.minusSeconds(3600)),
						runStore.oldestCreatedAt(RunStatus.QUEUED)));
		pages.put("Runs: newest 50", () -> endpoint.runs(query(null, null, null, null, null, null)));
		pages.put("Runs: status FAILED", () -> endpoint.runs(query(RunStatus.FAILED, null, null, null, null, null)));
		pages.put("Runs: one function", () -> endpoint.runs(query(null, "function-3", null, null, null, null)));
		pages.put("Runs: one function, status FAILED",
				() -> endpoint.runs(query(RunStatus.FAILED, "function-3", null, null, null, null)));
		pages.put("Runs: one event id", () -> endpoint.runs(query(null, null, null, null, null, eventId)));
		pages.put("Runs: created 20 to 21 hours ago", () -> endpoint
			.runs(query(null, null, null, now.minus(Duration.ofHours(21)), now.minus(Duration.ofHours(20)), null)));
		pages.put("Runs: page at the middle of the table (keyset cursor)",
				() -> endpoint.runs(query(null, null, middleRun, null, null, null)));
		pages.put("Run detail (4 steps)", () -> Arrays.asList(endpoint.run(recentRun, true), runStore.find(recentRun),
				insights.findParentRunId(recentRun), insights.findChildRuns(recentRun, 100)));
		pages.put("Run detail of a parent (10 child runs)", () -> Arrays.asList(endpoint.run(parentRun, true),
				runStore.find(parentRun), insights.findParentRunId(parentRun), insights.findChildRuns(parentRun, 100)));
		pages.put("Dead letters: newest 50", () -> endpoint.deadLetters(null, 50, true));
		pages.put("Dead letters: one function", () -> endpoint.deadLetters("function-3", 50, true));
		StringBuilder table = new StringBuilder();
		table.append(String.format("Dashboard page data on PostgreSQL, %,d runs (%,d dead letters)%n%n", runCount,
				deadLetters.count()));
		table.append("| page | median ms | slowest ms |\n|---|---:|---:|\n");
		pages.forEach((name, page) -> {
			double[] millis = time(page);
			table.append(String.format("| %s | %.1f | %.1f |%n", name, millis[TIMED / 2], millis[TIMED - 1]));
		});
		return table.toString();
	}

	private static RunQuery query(RunStatus status, String function, String before, Instant from, Instant to,
			String eventId) {
		return new RunQuery(status, function, before, 50, from, to, eventId);
	}

	private static double[] time(Supplier<?> page) {
		for (int i = 0; i < WARM_UP; i++) {
			page.get();
		}
		List<Double> millis = new ArrayList<>();
		for (int i = 0; i < TIMED; i++) {
			long started = System.nanoTime();
			page.get();
			millis.add((System.nanoTime() - started) / 1_000_000.0);
		}
		double[] sorted = millis.stream().mapToDouble(Double::doubleValue).toArray();
		Arrays.sort(sorted);
		return sorted;
	}

	private static String option(String[] args, String prefix, String fallback) {
		return Arrays.stream(args)
			.filter((arg) -> arg.startsWith(prefix))
			.map((arg) -> arg.substring(prefix.length()))
			.findFirst()
			.orElse(fallback);
	}

	/**
	 * The benchmark only reads.
	 */
	private static final class ReadOnlyRunOperations implements RunOperations {

		@Override
		public RunStatus replay(String runId) {
			throw new UnsupportedOperationException("The dashboard benchmark only reads");
		}

		@Override
		public RunStatus cancel(String runId) {
			throw new UnsupportedOperationException("The dashboard benchmark only reads");
		}

		@Override
		public RunStatus rerun(String runId, String stepId) {
			throw new UnsupportedOperationException();
		}

	}

}
