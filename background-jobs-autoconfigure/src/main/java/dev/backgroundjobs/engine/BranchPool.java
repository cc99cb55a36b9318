package dev.backgroundjobs.engine;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.util.Assert;

/**
 * The threads that run the branches of parallel steps, shared by every run of the
 * instance and bounded apart from the worker pool: a worker waits while its run's
 * branches run here, so branches never take a worker another run needs. Branches beyond
 * the bound wait in a queue. Idle threads end after a minute.
 * <p>
 * It does not implement {@code Executor}, so that it is not taken for the application's
 * task executor.
 */
public final class BranchPool implements AutoCloseable {

	private final ThreadPoolExecutor executor;

	/**
	 * Creates a pool. Its threads start with the first branch.
	 * @param concurrency how many branches run at once
	 * @param threadFactory creates its threads
	 */
	public BranchPool(int concurrency, ThreadFactory threadFactory) {
		Assert.isTrue(concurrency > 0, "'concurrency' must be positive");
		Assert.notNull(threadFactory, "'threadFactory' must not be null");
		this.executor = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), threadFactory);
		this.executor.allowCoreThreadTimeOut(true);
	}

	/**
	 * Runs a branch when a thread is free.
	 * @param branch the branch
	 * @throws java.util.concurrent.RejectedExecutionException once the pool is closed
	 */
	void execute(Runnable branch) {
		this.executor.execute(branch);
	}

	/**
	 * Stops the threads, interrupting branches still running; their runs resume from
	 * their last checkpoints.
	 */
	@Override
	public void close() {
		this.executor.shutdownNow();
	}

}
