package dev.backgroundjobs;

/**
 * Thrown when an operation names a run that does not exist.
 */
public class RunNotFoundException extends BackgroundJobsException {

	/**
	 * Creates an exception.
	 * @param runId the unknown run id
	 */
	public RunNotFoundException(String runId) {
		super("No run with id '" + runId + "'");
	}

}
