package dev.backgroundjobs.store;

import java.util.List;

/**
 * Stores the steps of runs.
 */
public interface StepStore {

	/**
	 * Finds the stored steps of a run, in the order they started.
	 * @param runId the run id
	 * @return the steps
	 */
	List<StepRecord> findSteps(String runId);

	/**
	 * Inserts or replaces a step, fenced by the run's version: the write happens only
	 * while the run's version equals {@code version}, in the same transaction that checks
	 * it, so it cannot interleave with another instance claiming the run.
	 * @param step the step
	 * @param version the run version the caller holds
	 * @return whether the step was written
	 */
	boolean saveStep(StepRecord step, long version);

}
