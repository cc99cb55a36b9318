package dev.backgroundjobs.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * Stores runs' waits for events and resolves them when a matching event arrives. Matching
 * is an indexed lookup by {@code (event name, match path, match value)}, not a scan of
 * the waiting runs.
 * <p>
 * A wait begins at a position in the broker's log of the awaited event (see
 * {@link EventLog}), not at a time: exactly the events the broker stored after the wait
 * began resolve it, whatever the clocks of publishers, instances and database say, and
 * however late the wait's row commits. To make that race-free, a wait is recorded in two
 * steps: first its row, without a start (pending), and only then is the end of the log
 * read and stored as its start. Any event that can resolve a wait therefore reached the
 * broker after the wait's row was visible, so a consumer that reads the event and then
 * looks for waits always finds it; if the wait is still pending, the consumer waits for
 * its start or, after a while, {@link #resolve restarts} it, which makes the wait read
 * the end of the log again.
 */
public interface EventWaitStore {

	/**
	 * Parks a run as {@link RunStatus#WAITING} for an event until {@code timeout} from
	 * now (database time), clearing its lease, and records the wait unless it exists,
	 * starting at the current end of the event's log. When the recorded wait is already
	 * resolved, the run is made due at once instead.
	 * @param runId the run id
	 * @param version the version the caller holds
	 * @param stepId the waiting step
	 * @param eventName the awaited event's name
	 * @param matchPath the path read from incoming events
	 * @param matchValue the value it must have
	 * @param timeout how long to wait
	 * @return whether the run was updated
	 * @throws org.springframework.dao.DataAccessException if the database or the broker
	 * cannot be reached
	 */
	boolean awaitEvent(String runId, long version, String stepId, String eventName, String matchPath, String matchValue,
			Duration timeout);

	/**
	 * Finds a run's wait.
	 * @param runId the run id
	 * @param stepId the step id
	 * @return the wait, or {@code null} if there is none
	 */
	@Nullable EventWait find(String runId, String stepId);

	/**
	 * Finds the open waits of a run.
	 * @param runId the run id
	 * @return the waits, oldest first
	 */
	List<EventWait> findByRun(String runId);

	/**
	 * Removes a wait once its step has recorded the outcome.
	 * @param runId the run id
	 * @param stepId the step id
	 */
	void delete(String runId, String stepId);

	/**
	 * Returns when the oldest open (unresolved) wait began: events older than that cannot
	 * resolve any wait.
	 * @return the creation time of the oldest open wait, or {@code null} if no run waits
	 * for an event
	 */
	@Nullable Instant oldestOpenWait();

	/**
	 * Returns the paths that open waits read from events of the given names.
	 * @param eventNames the event names
	 * @return the paths by event name; names without open waits are absent
	 */
	Map<String, Set<String>> matchPaths(Collection<String> eventNames);

	/**
	 * Resolves the open waits that an event matches and that began at or before its
	 * position in the log, storing the event and making their runs due.
	 * @param event the event and where it is in the log
	 * @param matchPath the path the value was read from
	 * @param matchValue the value
	 * @param restartPending whether to restart the matched waits that have no start yet,
	 * so that they begin after this event, instead of counting them as pending
	 * @return how many waits were resolved, and how many are still pending
	 */
	Resolution resolve(Arrival event, String matchPath, String matchValue, boolean restartPending);

	/**
	 * Returns, for each event name that open waits wait for, the earliest position at
	 * which one of them began: events before it cannot resolve any of them.
	 * @return the earliest start by event name; {@link EventLogPosition#START} for a name
	 * with a wait that has no start yet
	 */
	Map<String, EventLogPosition> earliestOpenWaitStarts();

	/**
	 * Returns whether every event that could resolve a wait, from its start until its
	 * deadline, has been read and matched against the waits, so that the wait may be
	 * called timed out (see {@link EventLog#readThrough}).
	 * @param wait the wait, past its deadline
	 * @return whether every such event has been read
	 */
	boolean eventsReadThrough(EventWait wait);

	/**
	 * An event read from the broker, and where it is in the log of its name.
	 *
	 * @param eventName the event name
	 * @param partition the partition
	 * @param offset the offset in the partition
	 * @param eventJson the event as JSON ({@code id}, {@code name}, {@code timestamp},
	 * {@code data})
	 */
	record Arrival(String eventName, int partition, long offset, String eventJson) {

	}

	/**
	 * What an event did to the waits it matched.
	 *
	 * @param resolved how many waits it resolved
	 * @param pending how many matched waits have no start yet, so that whether the event
	 * came after them is not known yet
	 */
	record Resolution(int resolved, int pending) {

	}

}
