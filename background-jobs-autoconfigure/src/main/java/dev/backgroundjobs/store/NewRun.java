package dev.backgroundjobs.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A run to record for an event that arrived.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param eventId the event id; {@code (functionId, eventId)} is unique
 * @param eventName the event name
 * @param eventData the event payload as JSON
 * @param eventTime when the event happened
 * @param traceContext the trace propagation headers of the event's publication as a JSON
 * object, or {@code null}
 */
public record NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
		Instant eventTime, @Nullable String traceContext) {

}
