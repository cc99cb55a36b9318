package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Runs tasks with bounded concurrency and tracks a backlog of tasks waiting for a worker.
 * <p>
 * Tasks are always accepted (a run handed over here is already recorded, so refusing it
 * would only delay it until its lease expires); producers of work ask
 * {@link #isSaturated()} or {@link #availableCapacity()} to stop taking more, and
 * register a {@link #onCapacityAvailable listener} to resume. The thread that created the
 * pool owns its lifecycle; every other method is safe from any thread.
 * <p>
 * A task owns its failures: the pool cannot retry a task it knows nothing about, so the
 * {@link RunDispatcher}'s tasks catch everything and dispatch their run again; a task
 * that throws anyway is logged. A task the executor refuses to start stays in the backlog
 * and is tried again when the next task is submitted or finishes.
 */
public final class WorkerPool {

	private static final LogAccessor logger = new LogAccessor(WorkerPool.class);

	private final Executor executor;

	private final int concurrency;

	private final int queueCapacity;

	private final Semaphore permits;

	private final Queue<Runnable> backlog = new ConcurrentLinkedQueue<>();

	private final AtomicInteger backlogSize = new AtomicInteger();

	private final Set<Thread> workers = ConcurrentHashMap.newKeySet();

	private final List<Runnable> capacityListeners = new CopyOnWriteArrayList<>();

	private volatile boolean closed;

	/**
	 * Creates a pool.
	 * @param executor the executor that provides threads, one per task; the pool bounds
	 * how many it uses at once
	 * @param concurrency how many tasks run at once
	 * @param queueCapacity how many waiting tasks make the pool saturated
	 */
	public WorkerPool(Executor executor, int concurrency, int queueCapacity) {
		Assert.notNull(executor, "'executor' must not be null");
		Assert.isTrue(concurrency > 0, "'concurrency' must be positive");
		Assert.isTrue(queueCapacity >= 0, "'queueCapacity' must not be negative");
		this.executor = executor;
		this.concurrency = concurrency;
		this.queueCapacity = queueCapacity;
		this.permits = new Semaphore(concurrency);
	}

	/**
	 * Queues a task to run when a worker is free.
	 * @param task the task
	 * @return whether the task was accepted; {@code false} once the pool is shut down
	 */
	public boolean submit(Runnable task) {
		if (this.closed) {
			return false;
		}
		this.backlog.add(task);
		this.backlogSize.incrementAndGet();
		drain();
		return true;
	}

	/**
	 * Whether the backlog is at or over its capacity.
	 * @return whether producers should stop taking work
	 */
	public boolean isSaturated() {
		return this.backlogSize.get() >= this.queueCapacity;
	}

	/**
	 * Returns how many more tasks could be taken before the pool is saturated.
	 * @return the free capacity
	 */
	public int availableCapacity() {
		return Math.max(0, this.queueCapacity - this.backlogSize.get() + this.permits.availablePermits());
	}

	/**
	 * Returns how many tasks are running.
	 * @return the running tasks
	 */
	public int activeCount() {
		return this.concurrency - this.permits.availablePermits();
	}

	/**
	 * Returns how many tasks wait for a worker.
	 * @return the waiting tasks
	 */
	public int backlogSize() {
		return this.backlogSize.get();
	}

	/**
	 * Registers a callback run, on a worker thread, whenever a task finishes while the
	 * pool has room again.
	 * @param listener the callback
	 */
	public void onCapacityAvailable(Runnable listener) {
		this.capacityListeners.add(listener);
	}

	/**
	 * Stops accepting tasks, drops the backlog and waits for running tasks to finish.
	 * Tasks still running after the timeout are interrupted.
	 * @param timeout how long to wait
	 * @return whether every running task finished in time
	 */
	public boolean shutdown(Duration timeout) {
		this.closed = true;
		int dropped = 0;
		while (this.backlog.poll() != null) {
			this.backlogSize.decrementAndGet();
			dropped++;
		}
		if (dropped > 0) {
			int count = dropped;
			logger.info(() -> "Dropped " + count + " queued runs at shutdown; their leases are released");
		}
		try {
			if (this.permits.tryAcquire(this.concurrency, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				this.permits.release(this.concurrency);
				return true;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.workers.forEach(Thread::interrupt);
		return false;
	}

	/**
	 * Whether the pool has been shut down.
	 * @return whether closed
	 */
	public boolean isShutdown() {
		return this.closed;
	}

	// Invariant: every permit release is followed by a backlog check (the loop below or
	// afterTask), so a task cannot be stranded with a free permit and nobody draining.
	private void drain() {
		while (!this.backlog.isEmpty() && !this.closed) {
			if (!this.permits.tryAcquire()) {
				return;
			}
			Runnable task = this.backlog.poll();
			if (task == null) {
				this.permits.release();
				continue;
			}
			this.backlogSize.decrementAndGet();
			try {
				this.executor.execute(() -> runTask(task));
			}
			catch (RuntimeException ex) {
				// Not started: keep it rather than lose the run it carries.
				this.backlog.add(task);
				this.backlogSize.incrementAndGet();
				this.permits.release();
				logger.error(ex, "Worker executor rejected a task; it stays queued");
				return;
			}
		}
	}

	private void runTask(Runnable task) {
		Thread thread = Thread.currentThread();
		this.workers.add(thread);
		try {
			task.run();
		}
		catch (Throwable ex) {
			logger.error(ex, "Unexpected failure of a task in a worker");
		}
		finally {
			this.workers.remove(thread);
			Thread.interrupted();
			this.permits.release();
			afterTask();
		}
	}

	private void afterTask() {
		drain();
		if (!this.closed && !isSaturated()) {
			for (Runnable listener : this.capacityListeners) {
				listener.run();
			}
		}
	}

}
