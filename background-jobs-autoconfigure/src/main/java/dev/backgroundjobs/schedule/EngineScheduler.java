package dev.backgroundjobs.schedule;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The engine's own timer thread, for polls, cron ticks, clock synchronisation and
 * redispatches, behind a type of its own.
 * <p>
 * It is deliberately not a {@link ScheduledExecutorService} bean: Boot's task scheduling
 * backs off when one exists, and an application's {@code @Scheduled} methods would then
 * run on this single thread and stop with the engine. Its thread starts with the first
 * task, not here.
 */
public final class EngineScheduler implements DisposableBean {

	private final ScheduledExecutorService executor;

	/**
	 * Creates the scheduler; its daemon thread is named
	 * {@code background-jobs-scheduler-1}.
	 */
	public EngineScheduler() {
		CustomizableThreadFactory threads = new CustomizableThreadFactory("background-jobs-scheduler-");
		threads.setDaemon(true);
		this.executor = Executors.newSingleThreadScheduledExecutor(threads);
	}

	/**
	 * Returns the executor the engine's loops run on.
	 * @return the executor
	 */
	public ScheduledExecutorService executor() {
		return this.executor;
	}

	@Override
	public void destroy() {
		this.executor.shutdownNow();
	}

}
