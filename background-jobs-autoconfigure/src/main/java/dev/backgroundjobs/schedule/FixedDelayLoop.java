package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * A task run on a scheduler at a fixed delay between runs while started: the loop of a
 * sweeper's {@link org.springframework.context.SmartLifecycle}. A run that throws
 * anything is logged and the task runs again at its next interval, since a periodic task
 * that throws is never run again by the scheduler. Its only mutable state, the scheduled
 * future, is guarded by the loop's lock, so start and stop may come from any thread.
 */
final class FixedDelayLoop {

	private final ScheduledExecutorService scheduler;

	private final Duration interval;

	private final Runnable task;

	private final LogAccessor logger;

	private final String name;

	private @Nullable ScheduledFuture<?> runs;

	/**
	 * Creates a loop, stopped.
	 * @param scheduler runs the task
	 * @param interval the delay before the first run and between runs
	 * @param task the task
	 * @param logger where an unexpected failure of the task is logged
	 * @param name what the task is, for the log, such as {@code batch sweep}
	 */
	FixedDelayLoop(ScheduledExecutorService scheduler, Duration interval, Runnable task, LogAccessor logger,
			String name) {
		Assert.isTrue(!interval.isNegative() && !interval.isZero(), "'interval' must be positive");
		this.scheduler = scheduler;
		this.interval = interval;
		this.task = task;
		this.logger = logger;
		this.name = name;
	}

	/**
	 * Schedules the task, unless it is scheduled already.
	 */
	synchronized void start() {
		if (this.runs != null) {
			return;
		}
		long millis = this.interval.toMillis();
		this.runs = this.scheduler.scheduleWithFixedDelay(this::runGuarded, millis, millis, TimeUnit.MILLISECONDS);
	}

	/**
	 * Cancels the task's next runs; a run under way finishes.
	 */
	synchronized void stop() {
		if (this.runs != null) {
			this.runs.cancel(false);
			this.runs = null;
		}
	}

	/**
	 * Whether the task is scheduled.
	 * @return whether the loop is started
	 */
	synchronized boolean isRunning() {
		return this.runs != null;
	}

	private void runGuarded() {
		try {
			this.task.run();
		}
		catch (Throwable ex) {
			this.logger.error(ex, "Unexpected failure of the " + this.name + "; it runs again at its next interval");
		}
	}

}
