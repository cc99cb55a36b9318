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
 */
public interface EventWaitStore {

	/**
	 * Parks a run as {@link RunStatus#WAITING} for an event until {@code timeout} from
	 * now (database time), clearing its lease, and records the wait unless it exists.
	 * When the recorded wait is already resolved, the run is made due at once instead.
	 * @param runId the run id
	 * @param version the version the caller holds
	 * @param stepId the waiting step
	 * @param eventName the awaited event's name
	 * @param matchPath the path read from incoming events
	 * @param matchValue the value it must have
	 * @param timeout how long to wait
	 * @return whether the run was updated
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
	 * Resolves the open waits matched by an event that began no later than the event's
	 * time, storing the event and making their runs due.
	 * @param eventName the event name
	 * @param matchPath the path the value was read from
	 * @param matchValue the value
	 * @param eventTime when the event happened
	 * @param eventJson the event as JSON
	 * @return how many waits were resolved
	 */
	int resolve(String eventName, String matchPath, String matchValue, Instant eventTime, String eventJson);

}
