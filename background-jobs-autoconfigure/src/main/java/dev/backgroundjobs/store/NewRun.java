package dev.backgroundjobs.store;

import java.time.Instant;

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

}
