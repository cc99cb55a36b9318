package dev.backgroundjobs.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.backgroundjobs.faults.JavaProcess;
import dev.backgroundjobs.faults.KafkaBroker;
import org.jspecify.annotations.Nullable;

/**
 * The production shape: the application in {@value #APP_PROCESSES} processes of its own
 * ({@link ProcessApp}) and, for background-jobs, the Kafka broker in a process of its own
 * (the fault-injection suite's {@link KafkaBroker}, started with its
 * {@link JavaProcess}). This JVM only drives them and reads their CPU time. It runs W2
 * (submitted by the app processes, then drained by both) and W4 (published by the first
 * app process, picked up by either).
 */
final class ProcessShape {

	/**
	 * App processes per system.
	 */
	static final int APP_PROCESSES = 2;

	/**
	 * Appended to the names of this shape's rows. The broker process is background-jobs'
	 * alone: the peers need none.
	 */
	static final String SUFFIX = ", " + APP_PROCESSES + " app processes (+ broker process)";

	private static final List<String> APP_JVM_ARGS = List.of("-Xmx512m");

	private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

	/**
	 * How often the driver asks the app processes how many runs finished: every question
	 * costs them a little CPU time.
	 */
	private static final Duration POLL = Duration.ofMillis(20);

	private final BenchmarkSettings settings;

	private final Results results;

	private final CpuRows cpuRows;

	private final Infrastructure infrastructure;

	private final @Nullable PostgresCpu postgres;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/**
	 * Creates the shape.
	 * @param settings the sizes
	 * @param results where the figures go
	 * @param infrastructure the database (its in-JVM broker is not used)
	 * @param postgres reads PostgreSQL's CPU time, {@code null} if it cannot be read
	 */
	ProcessShape(BenchmarkSettings settings, Results results, Infrastructure infrastructure,
			@Nullable PostgresCpu postgres) {
		this.settings = settings;
		this.results = results;
		this.cpuRows = new CpuRows(results);
		this.infrastructure = infrastructure;
		this.postgres = postgres;
	}

	/**
	 * Starts a system's processes, runs W2 and W4 {@code repeat} times, and stops them.
	 * @param system {@link Benchmark#BACKGROUND_JOBS} or {@code db-scheduler}
	 * @param progress reports progress
	 */
	void run(String system, Consumer<String> progress) {
		boolean withBroker = Benchmark.BACKGROUND_JOBS.equals(system);
		String schema = withBroker ? BackgroundJobsContender.SCHEMA + "_processes"
				: DbSchedulerContender.SCHEMA + "_processes";
		List<App> apps = new CopyOnWriteArrayList<>();
		List<KafkaBroker> brokers = new CopyOnWriteArrayList<>();
		// Should this JVM end before the processes are stopped, they end with it.
		Thread cleanUp = new Thread(() -> {
			apps.forEach(App::kill);
			brokers.forEach(KafkaBroker::kill);
		}, "bench-process-clean-up");
		Runtime.getRuntime().addShutdownHook(cleanUp);
		KafkaBroker broker = null;
		try {
			List<String> args = new ArrayList<>(List.of("--system=" + system,
					"--jdbc-url=" + this.infrastructure.jdbcUrl(schema), "--username=" + this.infrastructure.username(),
					"--password=" + this.infrastructure.password()));
			if (withBroker) {
				broker = new KafkaBroker();
				brokers.add(broker);
				broker.start();
				args.add("--bootstrap-servers=" + broker.bootstrapServers());
				args.add("--topic-prefix=bench-" + UUID.randomUUID().toString().substring(0, 8));
			}
			// One after the other: each creates its tables if they are missing.
			for (int i = 1; i <= APP_PROCESSES; i++) {
				App app = App.start("bench-" + system + "-" + i, args);
				apps.add(app);
				awaitReady(app);
			}
			String label = system + ", " + APP_PROCESSES + " app processes"
					+ (withBroker ? " and a broker process" : "");
			progress.accept("Started " + label);
			Processes processes = new Processes(system, label, apps, broker);
			for (int i = 0; i < this.settings.repeat(); i++) {
				progress.accept(label + ": repetition " + (i + 1));
				submitAndDrain(processes);
				pickup(processes);
			}
		}
		finally {
			apps.forEach(App::stop);
			if (broker != null) {
				broker.close();
			}
			Runtime.getRuntime().removeShutdownHook(cleanUp);
		}
	}

	/**
	 * W2 in this shape: each app process stops its workers and submits half the backlog
	 * from half the threads; then every app process starts its workers, and the drain
	 * lasts until every run is complete in the store.
	 */
	private void submitAndDrain(Processes processes) {
		List<App> apps = processes.apps();
		App first = apps.get(0);
		call(first, "/clear");
		apps.forEach((app) -> call(app, "/reset?pickups=0"));
		int threads = Math.max(1, this.settings.submitThreads() / apps.size());
		int perThread = this.settings.oneStepCount() / apps.size() / threads;
		long expected = (long) perThread * threads * apps.size();
		inParallel(apps, (app) -> call(app, "/stop-workers"));
		long submitStart = System.nanoTime();
		inParallel(apps,
				(app) -> call(app, "/submit?kind=ONE_STEP&count=" + (perThread * threads) + "&threads=" + threads,
						this.settings.timeout()));
		double submitSeconds = (System.nanoTime() - submitStart) / 1e9;
		long early = finished(apps);
		if (early > 0) {
			throw new IllegalStateException(
					processes.system() + ": " + early + " runs executed while its workers were stopped");
		}
		Reading before = read(processes);
		long drainStart = System.nanoTime();
		inParallel(apps, (app) -> call(app, "/start-workers"));
		awaitCompletion(processes, expected, drainStart);
		double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
		CpuUsage cpu = usageSince(processes, before);
		System.out.printf("[bench] %s ONE_STEP: submitted %d in %.2f s, drained in %.2f s%n", processes.label(),
				expected, submitSeconds, drainSeconds);
		this.results.add("W2 submits/s" + SUFFIX, true, processes.system(), expected / submitSeconds);
		this.results.add("W2 drain runs/s" + SUFFIX, true, processes.system(), expected / drainSeconds);
		this.cpuRows.perRun("W2 drain", SUFFIX, processes.system(), cpu, expected, processes.parts());
		call(first, "/clear");
	}

	/**
	 * W4 in this shape: the CPU time with nothing submitted, then the first app process
	 * publishes at the W4 rate while both run the functions.
	 */
	private void pickup(Processes processes) {
		List<App> apps = processes.apps();
		App first = apps.get(0);
		int count = this.settings.pickupCount();
		call(first, "/clear");
		apps.forEach((app) -> call(app, "/reset?pickups=" + count));
		boolean sameClock = apps.stream().allMatch(this::sharesClock);
		Reading idleBefore = read(processes);
		LockSupport.parkNanos(this.settings.idleDuration().toNanos());
		CpuUsage idle = usageSince(processes, idleBefore);
		this.results.add("W4 idle CPU % of one core, application" + SUFFIX, false, processes.system(),
				idle.percentOfOneCore(idle.applicationNanos()));
		idle.postgresNanos()
			.ifPresent((nanos) -> this.results.add("W4 idle CPU % of one core, PostgreSQL" + SUFFIX, false,
					processes.system(), idle.percentOfOneCore(nanos)));
		Reading before = read(processes);
		long start = System.nanoTime();
		long[] publishNanos = longs(call(first, "/publish?rate=" + this.settings.pickupRate() + "&count=" + count,
				this.settings.timeout()));
		awaitCompletion(processes, count, start);
		CpuUsage load = usageSince(processes, before);
		String rate = " at " + this.settings.pickupRate() + " events/s";
		if (sameClock) {
			long[] pickups = apps.stream()
				.map((app) -> longs(call(app, "/pickups")))
				.flatMapToLong(Arrays::stream)
				.toArray();
			this.results.add("W4 pickup p50 ms" + SUFFIX, false, processes.system(),
					Results.percentileMillis(pickups, 50));
			this.results.add("W4 pickup p99 ms" + SUFFIX, false, processes.system(),
					Results.percentileMillis(pickups, 99));
			this.results.add("W4 pickup max ms" + SUFFIX, false, processes.system(),
					Results.percentileMillis(pickups, 100));
		}
		else {
			this.results.note("W4 pickup" + SUFFIX + " is missing: System.nanoTime() of the app processes "
					+ "does not share one clock on this machine");
		}
		this.results.add("W4 publish p50 ms" + rate + ", functions running" + SUFFIX, false, processes.system(),
				Results.percentileMillis(publishNanos, 50));
		this.results.add("W4 publish p99 ms" + rate + ", functions running" + SUFFIX, false, processes.system(),
				Results.percentileMillis(publishNanos, 99));
		this.cpuRows.percent("W4", rate, SUFFIX, processes.system(), load, processes.parts());
		call(first, "/clear");
	}

	/**
	 * Returns whether an app's {@link System#nanoTime()} lies between two readings of
	 * this JVM's, as it does when every process reads the same monotonic clock (Linux's
	 * {@code CLOCK_MONOTONIC}): W4 subtracts one process's reading from another's.
	 */
	private boolean sharesClock(App app) {
		long before = System.nanoTime();
		long theirs = Long.parseLong(call(app, "/nanotime").trim());
		long after = System.nanoTime();
		return before <= theirs && theirs <= after;
	}

	private void awaitCompletion(Processes processes, long count, long start) {
		long deadline = start + this.settings.timeout().toNanos();
		App first = processes.apps().get(0);
		long finished;
		while ((finished = finished(processes.apps())) < count || Long.parseLong(call(first, "/unfinished")) > 0) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(processes.label() + ": only " + finished + " of " + count
						+ " handlers finished within " + this.settings.timeout());
			}
			processes.checkAlive();
			LockSupport.parkNanos(POLL.toNanos());
		}
		if (finished != count) {
			// A record of an earlier workload delivered again would run twice.
			System.out.printf("[bench] %s: %d handlers finished for %d submitted%n", processes.label(), finished,
					count);
		}
	}

	private long finished(List<App> apps) {
		return apps.stream().mapToLong((app) -> Long.parseLong(call(app, "/finished").trim())).sum();
	}

	private Reading read(Processes processes) {
		long[] apps = processes.apps().stream().mapToLong((app) -> cpuNanos(app.process().pid())).toArray();
		long broker = (processes.broker() != null) ? cpuNanos(processes.broker().pid()) : 0;
		PostgresCpu.Sample postgres = (this.postgres != null) ? this.postgres.sample() : null;
		return new Reading(System.nanoTime(), apps, broker, postgres);
	}

	private CpuUsage usageSince(Processes processes, Reading before) {
		Reading after = read(processes);
		long apps = 0;
		for (int i = 0; i < after.apps().length; i++) {
			apps += after.apps()[i] - before.apps()[i];
		}
		OptionalLong postgres = (before.postgres() != null && after.postgres() != null
				&& after.postgres().backends() > 0) ? OptionalLong.of(after.postgres().nanosSince(before.postgres()))
						: OptionalLong.empty();
		return new CpuUsage(apps, after.broker() - before.broker(), postgres, after.wallNanos() - before.wallNanos());
	}

	/**
	 * Returns a process's CPU time so far (user and system time of all its threads).
	 */
	private static long cpuNanos(long pid) {
		return ProcessHandle.of(pid)
			.flatMap((handle) -> handle.info().totalCpuDuration())
			.map(Duration::toNanos)
			.orElseThrow(() -> new IllegalStateException("The CPU time of process " + pid + " cannot be read"));
	}

	private void awaitReady(App app) {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (true) {
			if (!app.process().isAlive()) {
				throw new IllegalStateException(app.name() + " ended at start-up: see " + logOf(app));
			}
			try {
				send(app, "/nanotime", Duration.ofSeconds(2));
				return;
			}
			catch (IOException | RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException(
							app.name() + " did not answer within " + START_TIMEOUT + ": see " + logOf(app), ex);
				}
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
		}
	}

	private static String logOf(App app) {
		return JavaProcess.LOGS.resolve(app.name() + ".log").toAbsolutePath().toString();
	}

	private String call(App app, String command) {
		return call(app, command, Duration.ofMinutes(1));
	}

	private String call(App app, String command, Duration timeout) {
		try {
			return send(app, command, timeout);
		}
		catch (IOException ex) {
			throw new IllegalStateException(app.name() + " did not answer " + command + ": see " + logOf(app), ex);
		}
	}

	private String send(App app, String command, Duration timeout) throws IOException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + command))
			.timeout(timeout)
			.POST(HttpRequest.BodyPublishers.noBody())
			.build();
		try {
			HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IllegalStateException(app.name() + " failed " + command + ": " + response.body());
			}
			return response.body();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	private static void inParallel(List<App> apps, Function<App, String> command) {
		CompletableFuture<?>[] calls = apps.stream()
			.map((app) -> CompletableFuture.supplyAsync(() -> command.apply(app)))
			.toArray(CompletableFuture[]::new);
		CompletableFuture.allOf(calls).join();
	}

	private static long[] longs(String lines) {
		return lines.isBlank() ? new long[0] : lines.lines().mapToLong(Long::parseLong).toArray();
	}

	/**
	 * One app process and its control port.
	 *
	 * @param name the name of the process and of its log file
	 * @param port the control port
	 * @param process the process
	 */
	private record App(String name, int port, JavaProcess process) {

		static App start(String name, List<String> args) {
			int port = KafkaBroker.freePort();
			List<String> all = new ArrayList<>(args);
			all.add("--control-port=" + port);
			return new App(name, port, JavaProcess.start(name, APP_JVM_ARGS, ProcessApp.class.getName(), all));
		}

		void stop() {
			this.process.stop(30);
		}

		void kill() {
			if (this.process.isAlive()) {
				this.process.kill();
			}
		}

	}

	/**
	 * The running processes of one system.
	 *
	 * @param system the system
	 * @param label the system and its processes, for progress messages
	 * @param apps its app processes
	 * @param broker its broker process, {@code null} if it has none
	 */
	private record Processes(String system, String label, List<App> apps, @Nullable KafkaBroker broker) {

		CpuRows.Parts parts() {
			return (this.broker != null) ? CpuRows.Parts.BROKER_PROCESS : CpuRows.Parts.NO_BROKER;
		}

		void checkAlive() {
			for (App app : this.apps) {
				if (!app.process().isAlive()) {
					throw new IllegalStateException(app.name() + " ended: see " + logOf(app));
				}
			}
			if (this.broker != null && !this.broker.isRunning()) {
				throw new IllegalStateException("The broker process ended: see " + JavaProcess.LOGS.toAbsolutePath());
			}
		}

	}

	/**
	 * CPU times at one moment.
	 *
	 * @param wallNanos {@link System#nanoTime()}
	 * @param apps each app process's CPU time
	 * @param broker the broker process's CPU time, 0 without one
	 * @param postgres PostgreSQL's processes, {@code null} if not read
	 */
	private record Reading(long wallNanos, long[] apps, long broker, PostgresCpu.@Nullable Sample postgres) {

	}

}
