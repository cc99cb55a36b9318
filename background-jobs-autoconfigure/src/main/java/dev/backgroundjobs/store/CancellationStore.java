package dev.backgroundjobs.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;

/**
 * Cancels runs by the events their functions declare in
 * {@link dev.backgroundjobs.EventHandler#cancelOn()}. A run is recorded with its
 * {@link NewRun.CancelKey keys}; a cancelling event is recorded as a cancellation of its
 * key at its event time, and cancels the unfinished runs with that key whose triggering
 * event is not newer than it.
 * <p>
 * Both sides write first and read only after their write committed: a cancelling event
 * records its cancellation and then looks for runs, a new run is recorded and then looks
 * for cancellations ({@link #cancelRecorded}). Whichever reads second sees the other's
 * write, so a run and a cancelling event that race are never both missed, whatever the
 * order in which the broker delivers them to which instance.
 */
public interface CancellationStore {

	/**
	 * Records a cancelling event and cancels the unfinished runs of the function it
	 * matches: those with the key whose triggering event happened at or before it.
	 * @param functionId the function whose runs the event cancels
	 * @param key the cancelling event's name, the path read from it and its value there
	 * @param eventTime when the cancelling event happened
	 * @return how many runs were cancelled
	 * @throws org.springframework.dao.DataAccessException if the database cannot be
	 * reached
	 */
	int cancel(String functionId, NewRun.CancelKey key, Instant eventTime);

	/**
	 * Cancels the given runs, recorded before this call, that a recorded cancelling event
	 * covers: one whose key they have and that happened at or after their triggering
	 * event.
	 * @param runs the recorded runs
	 * @return the ids of the runs covered, cancelled by this call or before
	 * @throws org.springframework.dao.DataAccessException if the database cannot be
	 * reached
	 */
	Set<String> cancelRecorded(Collection<NewRun> runs);

	/**
	 * Deletes the records of cancelling events last read longer ago than the given age:
	 * only a run recorded later than that whose triggering event is older would still be
	 * cancelled by them.
	 * @param olderThan the age
	 * @return how many were deleted
	 */
	int deleteCancellations(Duration olderThan);

}
