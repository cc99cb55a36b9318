package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Interrupts steps that run past their timeout. It has a thread of its own, started with
 * the first step that has a timeout, so that neither a slow database (which holds up the
 * engine's polls) nor a busy worker pool delays it.
 */
final class StepWatchdog implements AutoCloseable {

	private @Nullable ScheduledThreadPoolExecutor timer;

	private boolean closed;

	/**
	 * Times out a step attempt after the given time, unless it was cancelled first.
	 * @param timeOut interrupts the attempt
	 * @param timeout the step timeout
	 * @return the timer, to cancel when the attempt ends, or {@code null} once closed
	 */
	@Nullable ScheduledFuture<?> watch(Runnable timeOut, Duration timeout) {
		ScheduledThreadPoolExecutor timer = timer();
		if (timer == null) {
			return null;
		}
		return timer.schedule(timeOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	private synchronized @Nullable ScheduledThreadPoolExecutor timer() {
		if (this.closed) {
			return null;
		}
		if (this.timer == null) {
			CustomizableThreadFactory threads = new CustomizableThreadFactory("background-jobs-step-watchdog-");
			threads.setDaemon(true);
			ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, threads);
			timer.setRemoveOnCancelPolicy(true);
			this.timer = timer;
		}
		return this.timer;
	}

	@Override
	public synchronized void close() {
		this.closed = true;
		if (this.timer != null) {
			this.timer.shutdownNow();
		}
	}

}
