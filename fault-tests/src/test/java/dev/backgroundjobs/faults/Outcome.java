package dev.backgroundjobs.faults;

/**
 * How the runs of an accepted event must end.
 */
enum Outcome {

	/**
	 * Each subscribed function has one COMPLETED run.
	 */
	COMPLETED,

	/**
	 * Each subscribed function has one FAILED run, with a dead-letter row and a record on
	 * the dead-letter topic keyed by the run id.
	 */
	FAILED,

	/**
	 * The event is completed as {@link #COMPLETED}, or, when it cannot be stored, it is
	 * dead-lettered as a record: a dead-letter row and a dead-letter topic record keyed
	 * by the event id.
	 */
	COMPLETED_OR_DEAD_LETTERED

}
