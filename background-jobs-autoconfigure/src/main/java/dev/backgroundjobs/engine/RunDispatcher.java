package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.backgroundjobs.store.RunRecord;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Hands claimed runs to the worker pool, and hands back later the runs whose execution
 * stopped because the infrastructure failed.
 * <p>
 * It owns the {@link HeldRuns}: a run is held from the moment it is dispatched until its
 * execution ends without a redispatch, so the lease heartbeat extends the leases of these
 * runs and of no other.
 * <p>
 * No run is dropped: when an execution ends because the database or the broker could not
 * be reached, or with any exception that escaped the {@link RunExecutor} (a bug, a
 * failing store), the run stays held and is dispatched again on this instance after the
 * infrastructure backoff, which grows with each consecutive failure. Redispatching here
 * rather than releasing the run to the poller keeps the lease, so no other instance
 * restarts the run meanwhile, and the wait is the backoff rather than the lease. Only a
 * shutdown or a {@link VirtualMachineError} gives a run up: it is no longer held, so its
 * lease is released or lapses, and the due-work poller of some instance resumes it from
 * its last checkpoint.
 */
public final class RunDispatcher {

	private static final LogAccessor logger = new LogAccessor(RunDispatcher.class);

	private final WorkerPool pool;

	private final RunExecutor executor;

	private final ScheduledExecutorService scheduler;

	private final ScheduledExecutorService startTimer;

	private final RetryBackoff infrastructureBackoff;

	private final HeldRuns heldRuns = new HeldRuns();

	private final List<Consumer<RunRecord>> endListeners = new CopyOnWriteArrayList<>();

	private final List<Consumer<String>> waitingListeners = new CopyOnWriteArrayList<>();

	/**
	 * Creates a dispatcher.
	 * @param pool the worker pool
	 * @param executor executes runs
	 * @param scheduler schedules delayed re-dispatch
	 * @param infrastructureBackoff the wait before a run whose execution failed for
	 * reasons other than its own code is dispatched again
	 */
	public RunDispatcher(WorkerPool pool, RunExecutor executor, ScheduledExecutorService scheduler,
			RetryBackoff infrastructureBackoff) {
		this(pool, executor, scheduler, scheduler, infrastructureBackoff);
	}

	/**
	 * Creates a dispatcher with a timer of its own for runs that start later.
	 * @param pool the worker pool
	 * @param executor executes runs
	 * @param scheduler schedules delayed re-dispatch
	 * @param startTimer submits runs at their start time ({@link #dispatchAfter})
	 * @param infrastructureBackoff the wait before a run whose execution failed for
	 * reasons other than its own code is dispatched again
	 */
	public RunDispatcher(WorkerPool pool, RunExecutor executor, ScheduledExecutorService scheduler,
			ScheduledExecutorService startTimer, RetryBackoff infrastructureBackoff) {
		Assert.notNull(startTimer, "'startTimer' must not be null");
		Assert.notNull(pool, "'pool' must not be null");
		Assert.notNull(executor, "'executor' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.notNull(infrastructureBackoff, "'infrastructureBackoff' must not be null");
		this.pool = pool;
		this.executor = executor;
		this.scheduler = scheduler;
		this.startTimer = startTimer;
		this.infrastructureBackoff = infrastructureBackoff;
	}

	/**
	 * Queues a claimed run for execution.
	 * @param run the run with the version this instance holds
	 * @param fresh whether the run was just recorded and has no steps yet
	 */
	public void dispatch(RunRecord run, boolean fresh) {
		this.heldRuns.hold(run.runId());
		submit(run, fresh, 0);
	}

	/**
	 * Queues a claimed run that has not started for execution after a delay, such as a
	 * run a throttle starts a little later. It is held meanwhile, so its lease is
	 * extended; if this instance stops first, the lease is released or lapses and the run
	 * starts elsewhere.
	 * @param run the run with the version this instance holds
	 * @param delay how long to wait before it starts
	 */
	public void dispatchAfter(RunRecord run, Duration delay) {
		if (delay.isZero() || delay.isNegative()) {
			dispatch(run, false);
			return;
		}
		this.heldRuns.hold(run.runId());
		try {
			this.startTimer.schedule(() -> submit(run, false, 0), delay.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			this.heldRuns.release(run.runId());
			logger.debug(() -> "Not starting run " + run.runId() + " on this instance: it is shutting down");
		}
	}

	/**
	 * Registers a callback run, on the worker thread, whenever an execution ends and its
	 * run is no longer held: it finished, parked, or was given up.
	 * @param listener the callback, given the run as it was dispatched
	 */
	public void onRunEnded(Consumer<RunRecord> listener) {
		this.endListeners.add(listener);
	}

	/**
	 * Registers a callback run, on the intake thread, whenever this instance has recorded
	 * runs of a function that wait for a concurrency slot.
	 * @param listener the callback, given the function id
	 */
	public void onRunsWaiting(Consumer<String> listener) {
		this.waitingListeners.add(listener);
	}

	/**
	 * Tells the listeners that runs of a function were recorded waiting for a concurrency
	 * slot, once their transaction committed: a run that freed a slot of their key after
	 * it was counted, and before the commit, could not see them, so its end started none
	 * of them.
	 * @param functionId the function id
	 */
	public void runsWaiting(String functionId) {
		tell(this.waitingListeners, functionId, () -> "Waiting run listener failed for function '" + functionId + "'");
	}

	/**
	 * Returns the runs this instance holds.
	 * @return the held runs
	 */
	public HeldRuns heldRuns() {
		return this.heldRuns;
	}

	/**
	 * Returns the worker pool.
	 * @return the pool
	 */
	public WorkerPool pool() {
		return this.pool;
	}

	private void submit(RunRecord run, boolean fresh, int failures) {
		if (!this.pool.submit(() -> execute(run, fresh, failures))) {
			this.heldRuns.release(run.runId());
			logger.debug(() -> "Worker pool is shut down; run " + run.runId() + " is left to its lease");
		}
	}

	private void execute(RunRecord run, boolean fresh, int failures) {
		boolean retry;
		try {
			retry = this.executor.execute(run, fresh);
		}
		catch (Throwable ex) {
			if (ex instanceof VirtualMachineError error) {
				this.heldRuns.release(run.runId());
				throw error;
			}
			logger.error(ex, () -> "Unexpected failure while executing run " + run.runId() + " of function '"
					+ run.functionId() + "'; it resumes from its last checkpoint later");
			retry = true;
		}
		if (retry) {
			retryLater(run, failures + 1);
		}
		else {
			this.heldRuns.release(run.runId());
			ended(run);
		}
	}

	private void ended(RunRecord run) {
		tell(this.endListeners, run, () -> "Run end listener failed for run " + run.runId());
	}

	/**
	 * Gives every listener a value; a listener that fails is logged, and the others are
	 * still told.
	 */
	private static <T> void tell(List<Consumer<T>> listeners, T value, Supplier<String> failure) {
		for (Consumer<T> listener : listeners) {
			try {
				listener.accept(value);
			}
			catch (RuntimeException ex) {
				logger.warn(ex, failure);
			}
		}
	}

	private void retryLater(RunRecord run, int failures) {
		if (this.pool.isShutdown()) {
			this.heldRuns.release(run.runId());
			return;
		}
		Duration delay = this.infrastructureBackoff.delayAfter(failures);
		try {
			this.scheduler.schedule(() -> submit(run, false, failures), delay.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// Shutting down: the run's lease is released or expires, and another
			// instance resumes it from its last checkpoint.
			this.heldRuns.release(run.runId());
			logger.debug(() -> "Not retrying run " + run.runId() + " on this instance: it is shutting down");
		}
	}

}
