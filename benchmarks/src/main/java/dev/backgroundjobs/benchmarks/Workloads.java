package dev.backgroundjobs.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import dev.backgroundjobs.benchmarks.Contender.WorkKind;

/**
 * The workloads W1 to W5 of {@code benchmarks/README.md}, run against any
 * {@link Contender}; each records its figures in the {@link Results}.
 */
public final class Workloads {

	private final BenchmarkSettings settings;

	private final Probe probe;

	private final Results results;

	private final int baselineThreads;

	private final JvmCpuMeter cpu;

	private final CpuRows cpuRows;

	/**
	 * Creates the workloads.
	 * @param settings the sizes
	 * @param probe what the handlers report to
	 * @param results where the figures go
	 * @param baselineThreads live threads of the JVM with only the broker running
	 * @param cpu measures CPU time while a workload runs
	 */
	Workloads(BenchmarkSettings settings, Probe probe, Results results, int baselineThreads, JvmCpuMeter cpu) {
		this.settings = settings;
		this.probe = probe;
		this.results = results;
		this.baselineThreads = baselineThreads;
		this.cpu = cpu;
		this.cpuRows = new CpuRows(results);
	}

	/**
	 * W1: durable submit latency from 1, 8 and 32 threads. The first submit of each
	 * repetition goes to a destination that does not exist yet and is reported on its
	 * own, out of the percentiles.
	 * @param contender the system
	 */
	public void publishLatency(Contender contender) {
		contender.clear();
		contender.beforeFirstAccept();
		long first = System.nanoTime();
		contender.accept();
		this.results.add("W1 first submit ms (new destination)", false, contender.name(),
				(System.nanoTime() - first) / 1e6);
		for (int threads : this.settings.publishThreads()) {
			int perThread = this.settings.publishCount() / threads;
			long[] latencies = new long[perThread * threads];
			run(threads, (thread) -> {
				for (int i = thread * perThread; i < (thread + 1) * perThread; i++) {
					long start = System.nanoTime();
					contender.accept();
					latencies[i] = System.nanoTime() - start;
				}
			});
			String suffix = (threads == 1) ? ", 1 thread" : ", " + threads + " threads";
			recordLatencies(contender, "W1 publish", suffix, latencies);
			contender.clear();
		}
	}

	/**
	 * W2 or W3: with the system's workers stopped, submits the backlog from several
	 * threads (submit rate), then starts the workers and measures the time until every
	 * run is complete in the store (drain rate), and the CPU time the drain used. W2 also
	 * records the footprint (W5).
	 * @param contender the system
	 * @param kind {@link WorkKind#ONE_STEP} or {@link WorkKind#THREE_STEPS}
	 */
	public void submitAndDrain(Contender contender, WorkKind kind) {
		boolean oneStep = kind == WorkKind.ONE_STEP;
		submitAndDrain(contender, oneStep ? "W2" : "W3", "", kind,
				oneStep ? this.settings.oneStepCount() : this.settings.threeStepCount(),
				(i) -> contender.submit(kind, System.nanoTime()));
	}

	/**
	 * W2 with a concurrency key: as {@link #submitAndDrain W2}, to a function that runs
	 * at most {@link BenchFunctions#KEY_LIMIT} runs of a key at once, the events spread
	 * over {@link #KEYS} keys in turn; compared with W2, it shows what admitting each run
	 * through its key's slots costs.
	 * @param contender background-jobs
	 */
	public void keyedSubmitAndDrain(BackgroundJobsContender contender) {
		submitAndDrain(contender, "W2", ", concurrency key (" + KEYS + " keys, limit " + BenchFunctions.KEY_LIMIT + ")",
				WorkKind.ONE_STEP, this.settings.oneStepCount(),
				(i) -> contender.submitKeyed("key-" + (i % KEYS), System.nanoTime()));
	}

	/**
	 * How many keys W2 with a concurrency key spreads its events over.
	 */
	static final int KEYS = 1000;

	private void submitAndDrain(Contender contender, String workload, String variant, WorkKind kind, int count,
			IntConsumer submit) {
		boolean oneStep = kind == WorkKind.ONE_STEP;
		contender.clear();
		this.probe.reset(0);
		int threads = this.settings.submitThreads();
		int perThread = count / threads;
		long expected = (long) perThread * threads;
		try (Footprint footprint = new Footprint()) {
			contender.stopWorkers();
			long submitStart = System.nanoTime();
			run(threads, (thread) -> {
				for (int i = 0; i < perThread; i++) {
					submit.accept(thread * perThread + i);
				}
			});
			double submitSeconds = (System.nanoTime() - submitStart) / 1e9;
			if (this.probe.finishedCount() > 0) {
				throw new IllegalStateException(contender.name() + ": " + this.probe.finishedCount()
						+ " runs executed while its workers were stopped");
			}
			JvmCpuMeter.Reading cpuBefore = this.cpu.read();
			long drainStart = System.nanoTime();
			contender.startWorkers();
			awaitCompletion(contender, expected, drainStart);
			double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
			CpuUsage drainCpu = this.cpu.since(cpuBefore);
			System.out.printf("[bench] %s %s%s: submitted %d in %.2f s, drained in %.2f s%n", contender.name(),
					workload, variant, expected, submitSeconds, drainSeconds);
			if (this.probe.finishedCount() != expected) {
				// A record of an earlier workload delivered again would run twice.
				System.out.printf("[bench] %s %s: %d handlers finished for %d submitted%n", contender.name(), kind,
						this.probe.finishedCount(), expected);
			}
			this.results.add(workload + " submits/s, workers stopped" + variant, true, contender.name(),
					expected / submitSeconds);
			double runsPerSecond = expected / drainSeconds;
			this.results.add(workload + " drain runs/s, backlog ready" + variant, true, contender.name(),
					runsPerSecond);
			this.cpuRows.perRun(workload + " drain", variant, contender.name(), drainCpu, expected,
					CpuRows.Parts.IN_JVM_BROKER);
			if (!variant.isEmpty()) {
				return;
			}
			if (oneStep) {
				this.results.add("W5 live threads above broker-only JVM, during W2", false, contender.name(),
						footprint.peakThreads() - this.baselineThreads);
				this.results.add("W5 peak used heap MiB, during W2", false, contender.name(), footprint.peakHeapMiB());
			}
			else {
				this.results.add("W3 drain checkpoints/s", true, contender.name(), 3 * runsPerSecond);
			}
		}
		finally {
			contender.startWorkers();
		}
		contender.clear();
	}

	/**
	 * W2 through the batch API: with the workers stopped, one thread submits the W2
	 * backlog in batches of {@link BenchmarkSettings#batchSize()} through the system's
	 * own batch call; then the workers drain it. Systems without a batch API get no row.
	 * @param contender the system
	 */
	public void batchSubmit(Contender contender) {
		int count = this.settings.oneStepCount();
		int batch = this.settings.batchSize();
		contender.clear();
		this.probe.reset(0);
		contender.stopWorkers();
		try {
			long start = System.nanoTime();
			int submitted = 0;
			while (submitted < count) {
				int size = Math.min(batch, count - submitted);
				if (!contender.submitBatch(size, System.nanoTime())) {
					return;
				}
				submitted += size;
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			System.out.printf("[bench] %s batch API: submitted %d in %.2f s%n", contender.name(), submitted, seconds);
			this.results.add("W2 submits/s, batch API, 1 thread, batches of " + batch, true, contender.name(),
					submitted / seconds);
			long drainStart = System.nanoTime();
			contender.startWorkers();
			awaitCompletion(contender, submitted, drainStart);
		}
		finally {
			contender.startWorkers();
			contender.clear();
		}
	}

	/**
	 * W4: publishes at a steady rate from one thread and records the time each publish
	 * call takes, the time from the start of each publish to the start of its handler,
	 * and the CPU time used from the first publish until the last run completed. Before
	 * that, unless the system has just started, measures the CPU time used with nothing
	 * submitted.
	 * @param contender the system
	 * @param suffix appended to the metric names, to tell variants apart
	 * @param idle whether to measure the CPU time used with nothing submitted first
	 */
	public void pickup(Contender contender, String suffix, boolean idle) {
		pickup(contender, suffix, idle, false);
	}

	/**
	 * W4 with each event sent inside a transaction that also inserts an order row (for
	 * background-jobs, through the transactional outbox): the pickup latency then runs
	 * from the start of the transaction, so it includes the insert and the commit.
	 * Systems that cannot enqueue inside the caller's transaction get no rows.
	 * @param contender the system
	 */
	public void pickupInTransaction(Contender contender) {
		contender.clear();
		this.probe.reset(0);
		if (!contender.submitInTransaction(WorkKind.PICKUP, System.nanoTime())) {
			return;
		}
		awaitCompletion(contender, 1, System.nanoTime());
		pickup(contender, ", sent in a transaction", false, true);
	}

	/**
	 * W6: the W2 backlog submitted from several threads, each event inside a transaction
	 * of its own that also inserts an order row, with the workers stopped; then the
	 * workers drain it. Systems that cannot enqueue inside the caller's transaction get
	 * no row.
	 * @param contender the system
	 */
	public void transactionalSubmit(Contender contender) {
		int count = this.settings.oneStepCount();
		contender.clear();
		this.probe.reset(0);
		contender.stopWorkers();
		int threads = this.settings.submitThreads();
		int perThread = count / threads;
		AtomicBoolean supported = new AtomicBoolean(true);
		double seconds;
		try {
			long start = System.nanoTime();
			run(threads, (thread) -> {
				for (int i = 0; i < perThread && supported.get(); i++) {
					if (!contender.submitInTransaction(WorkKind.ONE_STEP, System.nanoTime())) {
						supported.set(false);
					}
				}
			});
			seconds = (System.nanoTime() - start) / 1e9;
		}
		finally {
			contender.startWorkers();
		}
		if (supported.get()) {
			long expected = (long) perThread * threads;
			this.results.add(
					"W6 submits/s in a transaction with an order row, " + threads + " threads, workers stopped", true,
					contender.name(), expected / seconds);
			awaitCompletion(contender, expected, System.nanoTime());
		}
		contender.clear();
	}

	private void pickup(Contender contender, String suffix, boolean idle, boolean inTransaction) {
		int count = this.settings.pickupCount();
		contender.clear();
		this.probe.reset(count);
		if (idle) {
			JvmCpuMeter.Reading idleBefore = this.cpu.read();
			LockSupport.parkNanos(this.settings.idleDuration().toNanos());
			CpuUsage usage = this.cpu.since(idleBefore);
			this.results.add("W4 idle CPU % of one core, application" + suffix, false, contender.name(),
					usage.percentOfOneCore(usage.applicationNanos()));
			usage.postgresNanos()
				.ifPresent((nanos) -> this.results.add("W4 idle CPU % of one core, PostgreSQL" + suffix, false,
						contender.name(), usage.percentOfOneCore(nanos)));
		}
		long[] publishNanos = new long[count];
		long period = TimeUnit.SECONDS.toNanos(1) / this.settings.pickupRate();
		JvmCpuMeter.Reading cpuBefore = this.cpu.read();
		long start = System.nanoTime();
		for (int i = 0; i < count; i++) {
			long due = start + i * period;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			long sent = System.nanoTime();
			if (inTransaction) {
				contender.submitInTransaction(WorkKind.PICKUP, sent);
			}
			else {
				contender.submit(WorkKind.PICKUP, sent);
			}
			publishNanos[i] = System.nanoTime() - sent;
		}
		awaitCompletion(contender, count, start);
		CpuUsage load = this.cpu.since(cpuBefore);
		recordLatencies(contender, "W4 pickup", suffix, this.probe.pickupLatencies());
		String rate = " at " + this.settings.pickupRate() + " events/s";
		this.results.add("W4 publish p50 ms" + rate + ", functions running" + suffix, false, contender.name(),
				Results.percentileMillis(publishNanos, 50));
		this.results.add("W4 publish p99 ms" + rate + ", functions running" + suffix, false, contender.name(),
				Results.percentileMillis(publishNanos, 99));
		this.cpuRows.percent("W4", rate, suffix, contender.name(), load, CpuRows.Parts.IN_JVM_BROKER);
		contender.clear();
	}

	/**
	 * W5: parks runs in a durable sleep and measures the live threads and the used heap
	 * (after a full collection) they add once all are parked.
	 * @param contender background-jobs
	 */
	public void parked(BackgroundJobsContender contender) {
		int count = this.settings.parkedCount();
		// A first round starts every worker, consumer and pool thread the engine keeps,
		// so that the measured round counts only what parked runs hold.
		contender.clear();
		park(contender, Math.max(this.settings.submitThreads(), count / 10));
		contender.clear();
		int threadsBefore = Footprint.liveThreads();
		long heapBefore = Footprint.usedHeapAfterCollection();
		long expected = park(contender, count);
		int threadsAdded = Footprint.liveThreads() - threadsBefore;
		long heapAdded = Footprint.usedHeapAfterCollection() - heapBefore;
		this.results.add("W5 live threads added by " + count + " parked runs", false, contender.name(), threadsAdded);
		this.results.add("W5 heap bytes per parked run", false, contender.name(), (double) heapAdded / expected);
		contender.clear();
	}

	private long park(BackgroundJobsContender contender, int count) {
		int threads = this.settings.submitThreads();
		int perThread = count / threads;
		run(threads, (thread) -> {
			for (int i = 0; i < perThread; i++) {
				contender.park();
			}
		});
		long expected = (long) perThread * threads;
		long deadline = System.nanoTime() + this.settings.timeout().toNanos();
		while (contender.parked() < expected) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(contender.name() + ": only " + contender.parked() + " of " + expected
						+ " runs parked within " + this.settings.timeout());
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		// Lets the publishing threads end before threads are counted.
		LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
		return expected;
	}

	private void recordLatencies(Contender contender, String workload, String suffix, long[] latencies) {
		this.results.add(workload + " p50 ms" + suffix, false, contender.name(),
				Results.percentileMillis(latencies, 50));
		this.results.add(workload + " p99 ms" + suffix, false, contender.name(),
				Results.percentileMillis(latencies, 99));
		this.results.add(workload + " max ms" + suffix, false, contender.name(),
				Results.percentileMillis(latencies, 100));
	}

	private void awaitCompletion(Contender contender, long count, long start) {
		long deadline = start + this.settings.timeout().toNanos();
		// Handlers first (cheap to check), then the store, which is the definition of
		// done.
		while (this.probe.finishedCount() < count || contender.unfinished() > 0) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(contender.name() + ": only " + this.probe.finishedCount() + " of "
						+ count + " handlers finished within " + this.settings.timeout());
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos((this.probe.finishedCount() < count) ? 2 : 10));
		}
	}

	private static void run(int threads, ThreadBody body) {
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				int thread = i;
				futures.add(executor.submit(() -> body.run(thread)));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException("A publishing thread failed", ex);
		}
		finally {
			executor.shutdown();
		}
	}

	@FunctionalInterface
	private interface ThreadBody {

		void run(int thread);

	}

}
