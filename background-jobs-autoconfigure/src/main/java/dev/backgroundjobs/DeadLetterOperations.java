package dev.backgroundjobs;

/**
 * Operations on dead letters, one at a time or in bulk, for operators and tools such as
 * the {@code jobs} Actuator endpoint.
 * <p>
 * A dead letter is either a failed run, whose replay resumes it at the step that failed
 * (see {@link RunOperations#replay}), or a poison record that could not be read, whose
 * replay publishes the stored record again to its topic, with its key, value and headers,
 * once the cause is fixed; the poison dead letter is removed only once the broker has
 * acknowledged the record. A republished record reaches every function of its topic; a
 * function that already ran its event id starts no second run.
 */
public interface DeadLetterOperations {

	/**
	 * Replays a dead letter of either kind.
	 * @param id the dead letter id: a run id, or the id of a poison record's dead letter
	 * @return whether there was a dead letter with that id
	 * @throws RunStateException if the dead letter's run is no longer failed
	 * @throws BrokerUnavailableException if the broker did not acknowledge a republished
	 * record in time; the dead letter is kept
	 */
	boolean replay(String id);

	/**
	 * Replays the dead letters a filter selects, oldest first.
	 * @param filter the filter
	 * @return the ids of the dead letters replayed, and of those skipped with the reason
	 */
	DeadLetterBatch replay(DeadLetterFilter filter);

	/**
	 * Deletes a dead letter. The run of a failed run's dead letter stays
	 * {@link RunStatus#FAILED} and can still be replayed with
	 * {@link RunOperations#replay}; a poison record's dead letter is gone for good.
	 * @param id the dead letter id
	 * @return whether there was a dead letter with that id
	 */
	boolean delete(String id);

	/**
	 * Deletes the dead letters a filter selects.
	 * @param filter the filter
	 * @return the ids of the dead letters deleted
	 */
	DeadLetterBatch delete(DeadLetterFilter filter);

}
