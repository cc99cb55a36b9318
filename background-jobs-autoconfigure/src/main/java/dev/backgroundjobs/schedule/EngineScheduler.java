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

	private final ScheduledExecutorService startTimer;

	/**
	 * Creates the scheduler; its daemon threads are named
	 * {@code background-jobs-scheduler-1} and {@code background-jobs-starts-1}.
	 */
	public EngineScheduler() {
		this.executor = singleThread("background-jobs-scheduler-");
		this.startTimer = singleThread("background-jobs-starts-");
	}

	private static ScheduledExecutorService singleThread(String prefix) {
		CustomizableThreadFactory threads = new CustomizableThreadFactory(prefix);
		threads.setDaemon(true);
		return Executors.newSingleThreadScheduledExecutor(threads);
	}

	/**
	 * Returns the executor the engine's loops run on.
	 * @return the executor
	 */
	public ScheduledExecutorService executor() {
		return this.executor;
	}

	/**
	 * Returns the timer that hands runs to the workers at the start time a throttle gave
	 * them. Its tasks only submit, never wait on the database, so a slow poll on the
	 * engine's thread does not hold starts back and release them in a bunch.
	 * @return the timer
	 */
	public ScheduledExecutorService startTimer() {
		return this.startTimer;
	}

	@Override
	public void destroy() {
		this.executor.shutdownNow();
		this.startTimer.shutdownNow();
	}

}
