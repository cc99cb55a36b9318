package dev.backgroundjobs;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link Step#run} when a step failed and has no retries left, or failed in a
 * way that retrying cannot fix (for example a result that cannot be stored). Unless the
 * handler catches it, the run fails and becomes a dead letter.
 */
public class StepFailedException extends BackgroundJobsException {

	private final String stepId;

	private final int attempts;

	/**
	 * Creates an exception.
	 * @param message the message, naming the function, run and step
	 * @param stepId the step id
	 * @param attempts how many attempts were made
	 * @param cause the last attempt's failure
	 */
	public StepFailedException(String message, String stepId, int attempts, @Nullable Throwable cause) {
		super(message, cause);
		this.stepId = stepId;
		this.attempts = attempts;
	}

	/**
	 * Returns the id of the step that failed.
	 * @return the step id
	 */
	public String getStepId() {
		return this.stepId;
	}

	/**
	 * Returns how many attempts were made.
	 * @return the attempts
	 */
	public int getAttempts() {
		return this.attempts;
	}

}
