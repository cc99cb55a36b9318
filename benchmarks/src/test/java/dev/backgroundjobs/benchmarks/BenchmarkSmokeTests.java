package dev.backgroundjobs.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Runs every workload against every system with tiny counts, so the benchmark keeps
 * building and running. It checks only that each produced its figures, never how fast.
 */
class BenchmarkSmokeTests {

	@Test
	void everyWorkloadProducesFiguresForEverySystem() {
		assumePostgresReachable();
		Benchmark benchmark = new Benchmark(BenchmarkSettings.smoke(), new HashSet<>(Benchmark.SYSTEMS));
		Results results;
		try (Infrastructure infrastructure = new Infrastructure(Infrastructure.DEFAULT_URL, "postgres", "")) {
			results = benchmark.run(infrastructure);
		}
		assertThat(benchmark.failures()).isEmpty();
		assertThat(results.isComplete()).isTrue();
		for (String system : Benchmark.SYSTEMS) {
			assertThat(results.median("W1 first submit ms (new destination)", system)).isPositive();
			assertThat(results.median("W1 publish p99 ms, 32 threads", system)).isPositive();
			assertThat(results.median("W2 submits/s, workers stopped", system)).isPositive();
			assertThat(results.median("W2 drain runs/s, backlog ready", system)).isPositive();
			assertThat(results.median("W3 submits/s, workers stopped", system)).isPositive();
			assertThat(results.median("W3 drain checkpoints/s", system)).isPositive();
			assertThat(results.median("W4 pickup p50 ms", system)).isPositive();
			assertThat(results.median("W2 drain CPU ms per run, application", system)).isPositive();
			assertThat(results.median("W3 drain CPU ms per run, application", system)).isPositive();
			assertThat(results.median("W2 drain CPU ms per run, broker", system)).isNotNegative();
			assertThat(results.median("W4 CPU % of one core at 100 events/s, application", system)).isPositive();
			assertThat(results.median("W4 publish p99 ms at 100 events/s, functions running", system)).isPositive();
			assertPostgresMeasured(results, "W2 drain CPU ms per run, PostgreSQL", system);
		}
		for (String system : Benchmark.PROCESS_SYSTEMS) {
			String shape = ProcessShape.SUFFIX;
			assertThat(results.median("W2 drain runs/s" + shape, system)).isPositive();
			assertThat(results.median("W2 drain CPU ms per run, application" + shape, system)).isPositive();
			assertThat(results.median("W4 pickup p99 ms" + shape, system)).isPositive();
			assertThat(results.median("W4 CPU % of one core at 100 events/s, application" + shape, system))
				.isPositive();
			assertPostgresMeasured(results, "W2 drain CPU ms per run, all processes" + shape, system);
		}
		assertThat(results.median("W2 drain CPU ms per run, broker" + ProcessShape.SUFFIX, Benchmark.BACKGROUND_JOBS))
			.isPositive();
		String keyed = ", concurrency key (" + Workloads.KEYS + " keys, limit " + BenchFunctions.KEY_LIMIT + ")";
		assertThat(results.median("W2 drain runs/s, backlog ready" + keyed, Benchmark.BACKGROUND_JOBS)).isPositive();
		assertThat(results.toMarkdown()).contains("| W1 publish p50 ms, 1 thread |");
	}

	/**
	 * PostgreSQL's CPU time is read from /proc: with the server on this Linux machine the
	 * row is there, otherwise a note below the tables says why it is not.
	 */
	private static void assertPostgresMeasured(Results results, String metric, String system) {
		double value = results.median(metric, system);
		if (Double.isNaN(value)) {
			assertThat(results.toMarkdown()).contains("PostgreSQL CPU rows are missing");
		}
		else {
			assertThat(value).isNotNegative();
		}
	}

	private static void assumePostgresReachable() {
		boolean required = Boolean.getBoolean("background-jobs.require-databases");
		try (Connection connection = DriverManager.getConnection(Infrastructure.DEFAULT_URL, "postgres", "")) {
			assertThat(connection.isValid(2)).isTrue();
		}
		catch (SQLException ex) {
			assertThat(required).as("PostgreSQL is required but unreachable: %s", ex.getMessage()).isFalse();
			assumeThat(false).as("PostgreSQL unreachable: %s", ex.getMessage()).isTrue();
		}
	}

}
