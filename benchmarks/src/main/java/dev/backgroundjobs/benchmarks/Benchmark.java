package dev.backgroundjobs.benchmarks;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import dev.backgroundjobs.benchmarks.Contender.WorkKind;

/**
 * Runs every workload against every system, each repetition in turn, and collects the
 * figures. A system that cannot start or finish a workload is reported, and the others
 * still run.
 */
public final class Benchmark {

	/**
	 * Our system's column in the results.
	 */
	public static final String BACKGROUND_JOBS = "background-jobs";

	/**
	 * The systems, in column order.
	 */
	public static final List<String> SYSTEMS = List.of(BACKGROUND_JOBS, "JobRunr", "db-scheduler", "DBOS");

	private final BenchmarkSettings settings;

	private final Set<String> systems;

	private final List<String> failures = new ArrayList<>();

	/**
	 * Creates a benchmark.
	 * @param settings the sizes
	 * @param systems the systems to run, by column name
	 */
	public Benchmark(BenchmarkSettings settings, Set<String> systems) {
		this.settings = settings;
		this.systems = Set.copyOf(systems);
	}

	/**
	 * Runs the benchmark.
	 * @param infrastructure the broker and database
	 * @return the figures
	 */
	public Results run(Infrastructure infrastructure) {
		Results results = new Results(SYSTEMS, BACKGROUND_JOBS);
		Probe probe = new Probe();
		Workloads workloads = new Workloads(this.settings, probe, results, Footprint.liveThreads());
		measureJdbcLimits(infrastructure, results);
		if (this.systems.contains(BACKGROUND_JOBS)) {
			runAll(workloads, () -> new BackgroundJobsContender(infrastructure, probe, false));
			run("background-jobs, parked runs", () -> new BackgroundJobsContender(infrastructure, probe, false),
					(contender) -> {
						for (int i = 0; i < this.settings.repeat(); i++) {
							workloads.parked((BackgroundJobsContender) contender);
						}
						return null;
					});
			run("background-jobs, 2 instances", () -> new BackgroundJobsContender(infrastructure, probe, true),
					(contender) -> {
						for (int i = 0; i < this.settings.repeat(); i++) {
							workloads.pickup(contender, ", published on another instance");
						}
						return null;
					});
		}
		if (this.systems.contains("JobRunr")) {
			runAll(workloads, () -> new JobRunrContender(infrastructure, probe));
		}
		if (this.systems.contains("db-scheduler")) {
			runAll(workloads, () -> new DbSchedulerContender(infrastructure, probe));
		}
		if (this.systems.contains("DBOS")) {
			runAll(workloads, () -> new DbosContender(infrastructure, probe));
		}
		return results;
	}

	/**
	 * Returns what could not be measured, one line per system and reason.
	 * @return the failures
	 */
	public List<String> failures() {
		return List.copyOf(this.failures);
	}

	private void measureJdbcLimits(Infrastructure infrastructure, Results results) {
		JdbcLimits limits = new JdbcLimits(infrastructure);
		Duration duration = this.settings.jdbcDuration();
		for (int i = 0; i < this.settings.repeat(); i++) {
			for (int connections : new int[] { 1, 8 }) {
				for (int rows : new int[] { 1, 10 }) {
					String metric = "PostgreSQL plain JDBC rows/s, " + rows + "-row tx, " + connections + " conn";
					results.add(metric, true, "PostgreSQL", limits.rowsPerSecond(connections, rows, duration));
				}
			}
		}
	}

	private void runAll(Workloads workloads, ContenderFactory factory) {
		run(null, factory, (contender) -> {
			for (int i = 0; i < this.settings.repeat(); i++) {
				progress(contender.name() + ": repetition " + (i + 1));
				workloads.publishLatency(contender);
				workloads.submitAndDrain(contender, WorkKind.ONE_STEP);
				workloads.batchSubmit(contender);
				workloads.submitAndDrain(contender, WorkKind.THREE_STEPS);
				workloads.pickup(contender, "");
			}
			return null;
		});
	}

	private void run(String label, ContenderFactory factory, Function<Contender, Void> body) {
		Contender contender = null;
		try {
			contender = factory.create();
			progress("Started " + ((label != null) ? label : contender.name()));
			body.apply(contender);
		}
		catch (RuntimeException | LinkageError ex) {
			String name = (label != null) ? label : (contender != null) ? contender.name() : "a system";
			this.failures.add(name + ": " + ex);
			progress("FAILED " + name + ": " + ex);
			ex.printStackTrace();
		}
		finally {
			if (contender != null) {
				contender.close();
			}
		}
	}

	private static void progress(String message) {
		long uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
		System.out.println("[bench " + uptime + "s] " + message);
	}

	@FunctionalInterface
	private interface ContenderFactory {

		Contender create();

	}

}
