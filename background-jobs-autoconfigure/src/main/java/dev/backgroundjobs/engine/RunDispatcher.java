package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.store.RunRecord;

import org.springframework.core.log.LogAccessor;

/**
 * Hands claimed runs to the worker pool, and hands back later the runs whose execution
 * stopped because the database could not be reached.
 */
public final class RunDispatcher {

	private static final LogAccessor logger = new LogAccessor(RunDispatcher.class);

	private final WorkerPool pool;

	private final RunExecutor executor;

	private final ScheduledExecutorService scheduler;

	/**
	 * Creates a dispatcher.
	 * @param pool the worker pool
	 * @param executor executes runs
	 * @param scheduler schedules delayed re-dispatch
	 */
	public RunDispatcher(WorkerPool pool, RunExecutor executor, ScheduledExecutorService scheduler) {
		this.pool = pool;
		this.executor = executor;
		this.scheduler = scheduler;
	}

	/**
	 * Queues a claimed run for execution.
	 * @param run the run with the version this instance holds
	 * @param fresh whether the run was just recorded and has no steps yet
	 */
	public void dispatch(RunRecord run, boolean fresh) {
		boolean accepted = this.pool.submit(() -> {
			Duration retryIn = this.executor.execute(run, fresh);
			if (retryIn != null && !this.pool.isShutdown()) {
				try {
					this.scheduler.schedule(() -> dispatch(run, false), retryIn.toMillis(), TimeUnit.MILLISECONDS);
				}
				catch (RejectedExecutionException ex) {
					// Shutting down: the run's lease is released or expires, and another
					// instance resumes it from its last checkpoint.
					logger.debug(() -> "Not retrying run " + run.runId() + " on this instance: it is shutting down");
				}
			}
		});
		if (!accepted) {
			logger.debug(() -> "Worker pool is shut down; run " + run.runId() + " is left to its lease");
		}
	}

	/**
	 * Returns the worker pool.
	 * @return the pool
	 */
	public WorkerPool pool() {
		return this.pool;
	}

}
