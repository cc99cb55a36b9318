package dev.backgroundjobs.store;

import java.util.List;

/**
 * Reads the stored steps of runs. Steps are written only as checkpoints, through
 * {@link CheckpointStore#write}, which fences them on the run's version.
 */
public interface StepStore {

	/**
	 * Finds the stored steps of a run, in the order they started.
	 * @param runId the run id
	 * @return the steps
	 */
	List<StepRecord> findSteps(String runId);

}
