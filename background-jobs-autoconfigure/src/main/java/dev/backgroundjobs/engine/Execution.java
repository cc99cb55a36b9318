package dev.backgroundjobs.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

import org.jspecify.annotations.Nullable;

/**
 * One execution of a run, as other threads see it: the lease heartbeat or an operator
 * marks it cancelled, and the {@link StepWatchdog} times out its steps. Either may
 * interrupt a thread running a step (the worker, or a branch of a parallel step), but
 * only while it runs the step's own code: an interrupt that reached a checkpoint write or
 * a JDBC call would break a connection instead of stopping the step.
 * <p>
 * Thread-safe: a thread enters and leaves a step's code under this object's lock, so an
 * interrupt cannot land after the step's code returned.
 */
final class Execution {

	private final String runId;

	private final StepWatchdog watchdog;

	private volatile @Nullable String cancelled;

	private volatile @Nullable Duration stepTimeout;

	private volatile @Nullable Instant finishDeadline;

	private volatile @Nullable Duration finishTimeout;

	// Guarded by this: the step attempts whose code runs now, by thread (the worker's,
	// or the branch threads of a parallel step).
	private final Map<Thread, Attempt> attempts = new HashMap<>();

	Execution(String runId, StepWatchdog watchdog) {
		this.runId = runId;
		this.watchdog = watchdog;
	}

	String runId() {
		return this.runId;
	}

	/**
	 * Sets the limits of this execution.
	 * @param stepTimeout the step timeout, or {@code null}
	 * @param finishDeadline when the run's finish timeout passes, or {@code null}
	 * @param finishTimeout the finish timeout, or {@code null}
	 */
	void limit(@Nullable Duration stepTimeout, @Nullable Instant finishDeadline, @Nullable Duration finishTimeout) {
		this.stepTimeout = stepTimeout;
		this.finishDeadline = finishDeadline;
		this.finishTimeout = finishTimeout;
	}

	@Nullable Duration stepTimeout() {
		return this.stepTimeout;
	}

	@Nullable Instant finishDeadline() {
		return this.finishDeadline;
	}

	@Nullable Duration finishTimeout() {
		return this.finishTimeout;
	}

	/**
	 * Marks the run cancelled, so that no later step starts, and interrupts the steps in
	 * flight if asked to.
	 * @param reason why
	 * @param interruptStep whether to interrupt the threads running a step's code
	 */
	synchronized void cancel(String reason, boolean interruptStep) {
		if (this.cancelled == null) {
			this.cancelled = reason;
		}
		if (interruptStep) {
			this.attempts.keySet().forEach(Thread::interrupt);
		}
	}

	/**
	 * Returns why the run was cancelled while this execution ran, if it was.
	 * @return the reason, or {@code null}
	 */
	@Nullable String cancelled() {
		return this.cancelled;
	}

	/**
	 * Marks a step's code as running on the calling thread, and starts its timeout if it
	 * has one.
	 */
	synchronized void enterStep() {
		Attempt attempt = new Attempt(Thread.currentThread());
		this.attempts.put(attempt.thread, attempt);
		Duration timeout = this.stepTimeout;
		if (timeout != null) {
			attempt.timer = this.watchdog.watch(() -> timeOut(attempt), timeout);
		}
	}

	/**
	 * Marks the step's code on the calling thread as returned, stops its timeout, and
	 * clears an interrupt aimed at it, so that it cannot break the checkpoint that
	 * follows.
	 * @return whether the step's timeout interrupted it
	 */
	synchronized boolean leaveStep() {
		Attempt attempt = this.attempts.remove(Thread.currentThread());
		if (attempt == null) {
			return false;
		}
		if (attempt.timer != null) {
			attempt.timer.cancel(false);
		}
		if (this.cancelled != null || attempt.timedOut) {
			Thread.interrupted();
		}
		return attempt.timedOut;
	}

	private synchronized void timeOut(Attempt attempt) {
		if (this.attempts.get(attempt.thread) != attempt) {
			return;
		}
		attempt.timedOut = true;
		attempt.thread.interrupt();
	}

	/**
	 * One step attempt whose code runs on a thread.
	 */
	private static final class Attempt {

		private final Thread thread;

		private @Nullable ScheduledFuture<?> timer;

		private boolean timedOut;

		Attempt(Thread thread) {
			this.thread = thread;
		}

	}

}
