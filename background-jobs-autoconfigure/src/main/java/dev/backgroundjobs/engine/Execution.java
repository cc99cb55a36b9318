package dev.backgroundjobs.engine;

import org.jspecify.annotations.Nullable;

/**
 * One execution of a run on a worker thread, as other threads see it: the lease heartbeat
 * or an operator marks it cancelled, and a step's watchdog marks its step timed out.
 * Either may interrupt the worker thread, but only while it runs a step's own code: an
 * interrupt that reached a checkpoint write or a JDBC call would break a connection
 * instead of stopping the step.
 * <p>
 * Thread-safe: the worker enters and leaves a step's code under this object's lock, so an
 * interrupt cannot land after the step's code returned.
 */
final class Execution {

	private final String runId;

	private final Thread thread;

	private volatile @Nullable String cancelled;

	// Guarded by this.
	private @Nullable String stepInAction;

	// Guarded by this.
	private @Nullable String timedOutStep;

	private volatile boolean lastStepTimedOut;

	Execution(String runId, Thread thread) {
		this.runId = runId;
		this.thread = thread;
	}

	String runId() {
		return this.runId;
	}

	/**
	 * Marks the run cancelled, so that no later step starts, and interrupts the step in
	 * flight if asked to.
	 * @param reason why
	 * @param interruptStep whether to interrupt the step whose code is running
	 */
	synchronized void cancel(String reason, boolean interruptStep) {
		if (this.cancelled == null) {
			this.cancelled = reason;
		}
		if (interruptStep && this.stepInAction != null) {
			this.thread.interrupt();
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
	 * Marks a step's code as running on the worker thread.
	 * @param stepId the step id
	 */
	synchronized void enterStep(String stepId) {
		this.stepInAction = stepId;
		this.timedOutStep = null;
	}

	/**
	 * Marks the step's code as returned, and clears an interrupt aimed at it, so that it
	 * cannot break the checkpoint that follows.
	 */
	synchronized void leaveStep() {
		boolean timedOut = this.stepInAction != null && this.stepInAction.equals(this.timedOutStep);
		if (this.cancelled != null || timedOut) {
			Thread.interrupted();
		}
		this.lastStepTimedOut = timedOut;
		this.stepInAction = null;
		this.timedOutStep = null;
	}

	/**
	 * Returns whether the code of the step that returned last was interrupted by its
	 * timeout.
	 * @return whether it timed out
	 */
	boolean lastStepTimedOut() {
		return this.lastStepTimedOut;
	}

	/**
	 * Interrupts the worker if the given step's code still runs.
	 * @param stepId the step whose timeout passed
	 * @return whether it was interrupted
	 */
	synchronized boolean timeOut(String stepId) {
		if (!stepId.equals(this.stepInAction)) {
			return false;
		}
		this.timedOutStep = stepId;
		this.thread.interrupt();
		return true;
	}

}
