package dev.backgroundjobs.engine;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Unwinds a handler when its run must stop executing on this worker: to park for a retry
 * backoff or a sleep, to wait for an invoked run, because the lease was lost or the run
 * was cancelled, because the infrastructure failed, or because the database refused for
 * good to record it.
 * <p>
 * It extends {@link Error} so that handler code catching {@code Exception} around a step
 * does not swallow it; the step also remembers it, so the run stops correctly even if the
 * handler catches {@code Throwable}.
 */
public abstract sealed class RunInterruption extends Error {

	RunInterruption(String message, @Nullable Throwable cause) {
		super(message, cause, false, false);
	}

	/**
	 * The run parks until {@code delay} has passed, freeing its worker: for a retry
	 * backoff (with the error that caused it) or for a durable sleep (without).
	 */
	static final class Park extends RunInterruption {

		private final Duration delay;

		private final @Nullable String error;

		Park(Duration delay, @Nullable String error) {
			super("Run parked for " + delay, null);
			this.delay = delay;
			this.error = error;
		}

		Duration delay() {
			return this.delay;
		}

		@Nullable String error() {
			return this.error;
		}

	}

	/**
	 * The run waits for a child run it invoked, freeing its worker; the child's end makes
	 * it due again.
	 */
	static final class AwaitChild extends RunInterruption {

		private final String childRunId;

		AwaitChild(String childRunId) {
			super("Run waits for child run " + childRunId, null);
			this.childRunId = childRunId;
		}

		String childRunId() {
			return this.childRunId;
		}

	}

	/**
	 * The run waits for an event, freeing its worker; a matching event or the timeout
	 * makes it due again.
	 */
	static final class AwaitEvent extends RunInterruption {

		private final String stepId;

		private final String eventName;

		private final String matchPath;

		private final String matchValue;

		private final Duration timeout;

		AwaitEvent(String stepId, String eventName, String matchPath, String matchValue, Duration timeout) {
			super("Run waits for event '" + eventName + "'", null);
			this.stepId = stepId;
			this.eventName = eventName;
			this.matchPath = matchPath;
			this.matchValue = matchValue;
			this.timeout = timeout;
		}

		String stepId() {
			return this.stepId;
		}

		String eventName() {
			return this.eventName;
		}

		String matchPath() {
			return this.matchPath;
		}

		String matchValue() {
			return this.matchValue;
		}

		Duration timeout() {
			return this.timeout;
		}

	}

	/**
	 * Another instance claimed the run: this worker must stop without writing anything.
	 */
	static final class LeaseLost extends RunInterruption {

		LeaseLost(String message) {
			super(message, null);
		}

	}

	/**
	 * The run was cancelled (by an operator or a timeout) while it executed: this worker
	 * stops without writing anything, as the run is already recorded as cancelled.
	 */
	static final class Cancelled extends RunInterruption {

		private final String reason;

		Cancelled(String message, String reason) {
			super(message, null);
			this.reason = reason;
		}

		String reason() {
			return this.reason;
		}

	}

	/**
	 * The database permanently refused to record a step or the run (a value it cannot
	 * store): retrying cannot succeed, so the run fails with a dead letter, without
	 * waiting for the step's retries.
	 */
	static final class Failed extends RunInterruption {

		private final @Nullable String stepId;

		Failed(String message, @Nullable String stepId, Throwable cause) {
			super(message, cause);
			this.stepId = stepId;
		}

		@Nullable String stepId() {
			return this.stepId;
		}

		@Override
		public synchronized Throwable getCause() {
			Throwable cause = super.getCause();
			Assert.state(cause != null, "A permanent failure has a cause");
			return cause;
		}

	}

	/**
	 * The database could not be reached, or the worker was interrupted at shutdown: the
	 * run stops without spending a retry and resumes from its last checkpoint later.
	 */
	static final class Abandoned extends RunInterruption {

		Abandoned(String message, @Nullable Throwable cause) {
			super(message, cause);
		}

	}

}
