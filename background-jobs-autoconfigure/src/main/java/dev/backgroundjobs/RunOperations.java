package dev.backgroundjobs;

/**
 * Operations on recorded runs, for operators and tools such as the {@code jobs} Actuator
 * endpoint.
 */
public interface RunOperations {

	/**
	 * Replays a failed run (a dead letter): it resumes at the step that failed, with that
	 * step's retries restored; steps that completed are not run again.
	 * @param runId the run id
	 * @return the run's new status
	 * @throws RunNotFoundException if no run has that id
	 * @throws RunStateException if the run is not {@link RunStatus#FAILED}
	 */
	RunStatus replay(String runId);

	/**
	 * Cancels a run that is not executing: a {@link RunStatus#QUEUED},
	 * {@link RunStatus#SLEEPING} or {@link RunStatus#WAITING} run becomes
	 * {@link RunStatus#CANCELLED} and never resumes.
	 * @param runId the run id
	 * @return the run's new status
	 * @throws RunNotFoundException if no run has that id
	 * @throws RunStateException if the run is running or has already finished
	 */
	RunStatus cancel(String runId);

}
