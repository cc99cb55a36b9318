package dev.backgroundjobs.store;

import java.time.Duration;

import dev.backgroundjobs.RunStatus;

/**
 * Deletes finished runs and published dead letters once they are old enough, a small
 * batch at a time. Ages are measured on the database's clock.
 * <p>
 * Each call deletes its batch in one transaction and skips rows another transaction
 * holds, so instances may call it at once: each row is deleted, and counted, by one of
 * them.
 */
public interface RetentionStore {

	/**
	 * Deletes up to {@code limit} runs of a finished status that finished more than
	 * {@code olderThan} ago, oldest first, with their steps, event waits, invocation
	 * records and dead letter. A run is kept while a run it invoked, or the run that
	 * invoked it, has not finished, and a failed run while its dead letter is not yet
	 * published to the dead-letter topic.
	 * @param status {@link RunStatus#COMPLETED}, {@link RunStatus#FAILED} or
	 * {@link RunStatus#CANCELLED}
	 * @param olderThan how long ago the runs must have finished
	 * @param limit the most runs to delete
	 * @return the rows deleted
	 * @throws IllegalArgumentException if {@code status} is not a finished status
	 */
	Deleted deleteFinishedRuns(RunStatus status, Duration olderThan, int limit);

	/**
	 * Deletes up to {@code limit} dead letters recorded more than {@code olderThan} ago
	 * and already published to the dead-letter topic, oldest first: poison records, and
	 * dead letters whose run is gone. The dead letter of a failed run that still exists
	 * is deleted with its run.
	 * @param olderThan how long ago the dead letters must have been recorded
	 * @param limit the most dead letters to delete
	 * @return the rows deleted
	 */
	Deleted deletePublishedDeadLetters(Duration olderThan, int limit);

	/**
	 * Deletes the counts of idempotency keys and rate limits whose window has ended: a
	 * key whose window ended counts as one never seen, so they are deleted at once.
	 * @param limit most rows to delete
	 * @return how many were deleted
	 */
	default int deleteEndedGateWindows(int limit) {
		return 0;
	}

	/**
	 * Deletes the throttle rows of keys whose next start time has passed: such a key has
	 * room for a start now, as one never seen has, so they are deleted at once.
	 * @param limit most rows to delete
	 * @return how many were deleted
	 */
	default int deletePassedThrottles(int limit) {
		return 0;
	}

	/**
	 * Deletes the debounce rows of keys whose held-back run is due: the run is started or
	 * about to be, so the next event of the key begins a new burst either way.
	 * @param limit most rows to delete
	 * @return how many were deleted
	 */
	default int deletePassedDebounces(int limit) {
		return 0;
	}

	/**
	 * Deletes the singleton keys whose run was deleted: a key whose run is gone is held
	 * by no run, as one never claimed.
	 * @param limit most rows to delete
	 * @return how many were deleted
	 */
	default int deleteReleasedSingletonKeys(int limit) {
		return 0;
	}

	/**
	 * Deletes the rows of concurrency keys that no unfinished run uses: a key row only
	 * serializes admissions, and the next run of the key inserts it again.
	 * @param limit most rows to delete
	 * @return how many were deleted
	 */
	default int deleteIdleConcurrencyKeys(int limit) {
		return 0;
	}

	/**
	 * Rows deleted, per table.
	 *
	 * @param runs runs
	 * @param steps steps of those runs
	 * @param eventWaits event waits of those runs
	 * @param invocations records of runs invoking runs
	 * @param deadLetters dead letters
	 */
	record Deleted(long runs, long steps, long eventWaits, long invocations, long deadLetters) {

		/**
		 * Nothing deleted.
		 */
		public static final Deleted NONE = new Deleted(0, 0, 0, 0, 0);

		/**
		 * Adds the rows of another deletion to these.
		 * @param other the other deletion
		 * @return the sum
		 */
		public Deleted plus(Deleted other) {
			return new Deleted(this.runs + other.runs, this.steps + other.steps, this.eventWaits + other.eventWaits,
					this.invocations + other.invocations, this.deadLetters + other.deadLetters);
		}

		/**
		 * Whether no row was deleted.
		 * @return whether nothing was deleted
		 */
		public boolean isEmpty() {
			return equals(NONE);
		}

	}

}
