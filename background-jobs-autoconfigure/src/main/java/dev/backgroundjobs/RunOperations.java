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
	 * Cancels a run that has not finished: a {@link RunStatus#DELAYED},
	 * {@link RunStatus#QUEUED}, {@link RunStatus#RUNNING}, {@link RunStatus#SLEEPING} or
	 * {@link RunStatus#WAITING} run becomes {@link RunStatus#CANCELLED} at once and never
	 * resumes.
	 * <p>
	 * A running run stops at its next step boundary, on whichever instance executes it:
	 * no later step starts, and the result of the step in flight is not recorded. That
	 * step runs to its end unless {@code background-jobs.cancel.interrupt-running-step}
	 * is set, in which case its thread is interrupted. The executing instance learns of
	 * the cancellation at once if it is this one, otherwise at its next lease heartbeat
	 * or checkpoint. A parent run waiting for the run in {@link Step#invoke} resumes with
	 * a {@link StepFailedException}.
	 * @param runId the run id
	 * @return the run's new status
	 * @throws RunNotFoundException if no run has that id
	 * @throws RunStateException if the run has already finished
	 */
	RunStatus cancel(String runId);

	/**
	 * Runs a finished run ({@link RunStatus#COMPLETED}, {@link RunStatus#FAILED} or
	 * {@link RunStatus#CANCELLED}) again from one of its steps, under the same run id:
	 * the steps that started before it keep their results, and that step and every step
	 * that started at or after it run again. The run keeps its links (the run that
	 * invoked it, its failure handler, its address); the results of the steps run again
	 * are replaced. Steps run again that sent an event or invoked a function keep their
	 * ids, so the event is not sent twice and the invoked run's result is reused.
	 * @param runId the run id
	 * @param stepId the first step to run again
	 * @return the run's new status
	 * @throws RunNotFoundException if no run has that id
	 * @throws RunStateException if the run has not finished
	 * @throws IllegalArgumentException if the run has no step with that id
	 */
	RunStatus rerun(String runId, String stepId);

}
