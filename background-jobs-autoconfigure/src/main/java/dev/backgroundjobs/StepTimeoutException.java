package dev.backgroundjobs;

import java.time.Duration;

import dev.backgroundjobs.function.RunTimeouts;
import org.jspecify.annotations.Nullable;

/**
 * The failure of a step attempt that ran longer than its function's step timeout (see
 * {@link Timeouts#step()}): its worker thread was interrupted. It counts as a failed
 * attempt, retried like any other.
 */
public class StepTimeoutException extends BackgroundJobsException {

	private final String stepId;

	private final String functionId;

	private final Duration timeout;

	/**
	 * Creates an exception.
	 * @param stepId the step id
	 * @param functionId the function id
	 * @param runId the run id
	 * @param timeout the step timeout that passed
	 * @param cause what the interrupted step threw, or {@code null}
	 */
	public StepTimeoutException(String stepId, String functionId, String runId, Duration timeout,
			@Nullable Throwable cause) {
		super("Step '" + stepId + "' of function '" + functionId + "' (run " + runId + ") did not finish within its "
				+ "timeout of " + RunTimeouts.describe(timeout) + " and was interrupted", cause);
		this.stepId = stepId;
		this.functionId = functionId;
		this.timeout = timeout;
	}

	/**
	 * Returns the id of the step that timed out.
	 * @return the step id
	 */
	public String getStepId() {
		return this.stepId;
	}

	/**
	 * Returns the id of the function whose step timed out.
	 * @return the function id
	 */
	public String getFunctionId() {
		return this.functionId;
	}

	/**
	 * Returns the step timeout that passed.
	 * @return the timeout
	 */
	public Duration getTimeout() {
		return this.timeout;
	}

}
