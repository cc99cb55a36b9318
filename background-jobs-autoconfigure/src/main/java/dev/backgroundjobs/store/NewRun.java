package dev.backgroundjobs.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * A run to record for an event that arrived.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param eventId the event id; {@code (functionId, eventId)} is unique
 * @param eventName the event name
 * @param eventData the event payload as JSON
 * @param eventTime when the event happened
 */
public record NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
		Instant eventTime) {

	/**
	 * Creates a run for an event, with the run id {@link #deriveRunId derived} from the
	 * function and event ids.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @return the run
	 */
	public static NewRun forEvent(String functionId, String eventId, String eventName, String eventData,
			Instant eventTime) {
		return new NewRun(deriveRunId(functionId, eventId), functionId, eventId, eventName, eventData, eventTime);
	}

	/**
	 * Derives the run id from the function and event ids, so that the same event always
	 * maps to the same run.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @return the run id
	 */
	public static String deriveRunId(String functionId, String eventId) {
		return UUID.nameUUIDFromBytes((functionId + '\u0000' + eventId).getBytes(StandardCharsets.UTF_8)).toString();
	}

}
