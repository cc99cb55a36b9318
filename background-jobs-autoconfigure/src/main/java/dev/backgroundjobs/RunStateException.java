package dev.backgroundjobs;

/**
 * Thrown when an operation does not apply to a run in its current status, for example
 * replaying a run that has not failed.
 */
public class RunStateException extends BackgroundJobsException {

	private final RunStatus status;

	/**
	 * Creates an exception.
	 * @param message the message, naming the run and what was attempted
	 * @param status the run's current status
	 */
	public RunStateException(String message, RunStatus status) {
		super(message);
		this.status = status;
	}

	/**
	 * Returns the run's current status.
	 * @return the status
	 */
	public RunStatus getStatus() {
		return this.status;
	}

}
