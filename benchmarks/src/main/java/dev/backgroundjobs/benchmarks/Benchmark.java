package dev.backgroundjobs.benchmarks;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import dev.backgroundjobs.benchmarks.Contender.WorkKind;
import org.jspecify.annotations.Nullable;

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

	/**
	 * The systems that also run in the production shape.
	 */
	public static final List<String> PROCESS_SYSTEMS = List.of(BACKGROUND_JOBS, "db-scheduler");

	private final BenchmarkSettings settings;

	private final Set<String> systems;

	private final Set<Shape> shapes;

	private final List<String> failures = new ArrayList<>();

	private Set<String> workloads = Set.of();

	/**
	 * Creates a benchmark of both shapes.
	 * @param settings the sizes
	 * @param systems the systems to run, by column name
	 */
	public Benchmark(BenchmarkSettings settings, Set<String> systems) {
		this(settings, systems, EnumSet.allOf(Shape.class));
	}

	/**
	 * Creates a benchmark.
	 * @param settings the sizes
	 * @param systems the systems to run, by column name
	 * @param shapes where the systems run
	 */
	public Benchmark(BenchmarkSettings settings, Set<String> systems, Set<Shape> shapes) {
		this.settings = settings;
		this.systems = Set.copyOf(systems);
		this.shapes = Set.copyOf(shapes);
	}

	/**
	 * Runs only some workloads of the in-JVM shape, for a quicker measurement of one
	 * change: {@code W1} to {@code W6} by name ({@code W2} includes W2 with a concurrency
	 * key and through the batch API). All run by default.
	 * @param workloads the names of the workloads to run, or an empty set for all
	 * @return this benchmark
	 */
	public Benchmark onlyWorkloads(Set<String> workloads) {
		this.workloads = Set.copyOf(workloads);
		return this;
	}

	private boolean selected(String workload) {
		return this.workloads.isEmpty() || this.workloads.contains(workload);
	}

	/**
	 * Runs the benchmark.
	 * @param infrastructure the broker and database
	 * @return the figures
	 */
	public Results run(Infrastructure infrastructure) {
		Results results = new Results(SYSTEMS, BACKGROUND_JOBS);
		PostgresCpu postgres = ProcStat.available() ? new PostgresCpu(PostgresCpu.databaseOf(infrastructure.url()))
				: null;
		measureJdbcLimits(infrastructure, results);
		if (this.shapes.contains(Shape.IN_JVM)) {
			runInJvm(infrastructure, results, postgres);
		}
		if (this.shapes.contains(Shape.PROCESSES)) {
			// The in-JVM broker would only take CPU from the processes.
			infrastructure.stopBroker();
			ProcessShape processes = new ProcessShape(this.settings, results, infrastructure, postgres);
			for (String system : PROCESS_SYSTEMS) {
				if (this.systems.contains(system)) {
					try {
						processes.run(system, Benchmark::progress);
					}
					catch (RuntimeException | LinkageError ex) {
						String name = system + ProcessShape.SUFFIX;
						this.failures.add(name + ": " + ex);
						progress("FAILED " + name + ": " + ex);
						ex.printStackTrace();
					}
				}
			}
		}
		return results;
	}

	private void runInJvm(Infrastructure infrastructure, Results results, @Nullable PostgresCpu postgres) {
		Probe probe = new Probe();
		infrastructure.startBroker();
		Workloads workloads = new Workloads(this.settings, probe, results, Footprint.liveThreads(),
				new JvmCpuMeter(infrastructure.brokerThreads(), postgres));
		if (this.systems.contains(BACKGROUND_JOBS)) {
			runAll(workloads, () -> new BackgroundJobsContender(infrastructure, probe, false));
		}
		if (this.systems.contains(BACKGROUND_JOBS) && selected("W5")) {
			run("background-jobs, parked runs", () -> new BackgroundJobsContender(infrastructure, probe, false),
					(contender) -> {
						for (int i = 0; i < this.settings.repeat(); i++) {
							workloads.parked((BackgroundJobsContender) contender);
						}
						return null;
					});
		}
		if (this.systems.contains(BACKGROUND_JOBS) && selected("W4")) {
			run("background-jobs, 2 instances", () -> new BackgroundJobsContender(infrastructure, probe, true),
					(contender) -> {
						for (int i = 0; i < this.settings.repeat(); i++) {
							workloads.pickup(contender, ", published on another instance", false);
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
	}

	/**
	 * Returns what could not be measured, one line per system and reason.
	 * @return the failures
	 */
	public List<String> failures() {
		return List.copyOf(this.failures);
	}

	private void measureJdbcLimits(Infrastructure infrastructure, Results results) {
		Duration duration = this.settings.jdbcDuration();
		try (JdbcLimits limits = new JdbcLimits(infrastructure)) {
			for (int i = 0; i < this.settings.repeat(); i++) {
				for (int connections : new int[] { 1, 8 }) {
					for (int rows : new int[] { 1, 10 }) {
						String metric = "PostgreSQL plain JDBC rows/s, " + rows + "-row tx, " + connections + " conn";
						results.add(metric, true, "PostgreSQL", limits.rowsPerSecond(connections, rows, duration));
					}
				}
			}
		}
	}

	private void runAll(Workloads workloads, ContenderFactory factory) {
		run(null, factory, (contender) -> {
			for (int i = 0; i < this.settings.repeat(); i++) {
				progress(contender.name() + ": repetition " + (i + 1));
				if (selected("W1")) {
					workloads.publishLatency(contender);
				}
				if (selected("W2")) {
					workloads.submitAndDrain(contender, WorkKind.ONE_STEP);
					if (contender instanceof BackgroundJobsContender backgroundJobs) {
						workloads.keyedSubmitAndDrain(backgroundJobs);
					}
					workloads.batchSubmit(contender);
				}
				if (selected("W3")) {
					workloads.submitAndDrain(contender, WorkKind.THREE_STEPS);
				}
				if (selected("W4")) {
					workloads.pickup(contender, "", true);
				}
				if (selected("W6")) {
					workloads.transactionalSubmit(contender);
				}
				if (selected("W4")) {
					workloads.pickupInTransaction(contender);
				}
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

	/**
	 * Where the systems run.
	 */
	public enum Shape {

		/**
		 * Every system in this JVM, one after the other, beside an in-JVM broker.
		 */
		IN_JVM("in-jvm"),

		/**
		 * background-jobs and db-scheduler in {@value ProcessShape#APP_PROCESSES} app
		 * processes each, background-jobs with a broker process.
		 */
		PROCESSES("processes");

		private final String argument;

		Shape(String argument) {
			this.argument = argument;
		}

		/**
		 * Returns the shape named on the command line.
		 * @param argument {@code in-jvm} or {@code processes}
		 * @return the shape
		 */
		public static Shape of(String argument) {
			for (Shape shape : values()) {
				if (shape.argument.equals(argument)) {
					return shape;
				}
			}
			throw new IllegalArgumentException("Unknown shape '" + argument + "': in-jvm or processes");
		}

	}

	@FunctionalInterface
	private interface ContenderFactory {

		Contender create();

	}

}
