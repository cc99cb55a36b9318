package dev.backgroundjobs.store;

/**
 * Status of a stored step.
 */
public enum StepStatus {

	/**
	 * The step's result is stored; it is never run again for its run.
	 */
	COMPLETED,

	/**
	 * The step's last attempt failed; it will be retried or has exhausted its retries.
	 */
	FAILED

}
