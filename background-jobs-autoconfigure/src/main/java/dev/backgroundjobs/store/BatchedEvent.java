package dev.backgroundjobs.store;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * An event of a batched function, to wait in the database for its batch.
 *
 * @param functionId the function id
 * @param batchKey the value of the function's batch key in the event (see
 * {@link dev.backgroundjobs.json.MatchExpression#valueAt}), or an empty string when all
 * its events share batches
 * @param eventId the event id; {@code (functionId, eventId)} is in at most one batch
 * @param eventName the event name
 * @param eventData the event payload as JSON
 * @param eventTime when the event happened
 * @param traceContext the trace propagation headers of the event's publication as a JSON
 * object, or {@code null}
 */
public record BatchedEvent(String functionId, String batchKey, String eventId, String eventName, String eventData,
		Instant eventTime, @Nullable String traceContext) {

	/**
	 * Returns the data of the run of a batch: a JSON array of the events, each an object
	 * with {@code id}, {@code name}, {@code timestamp} and its {@code data}, as
	 * {@code dev.backgroundjobs.function.invoke.EventBatchArgumentResolver} reads it.
	 * @param events the events of the batch, in order
	 * @return the JSON array
	 */
	public static String toJson(List<BatchedEvent> events) {
		StringBuilder json = new StringBuilder("[");
		for (BatchedEvent event : events) {
			json.append((json.length() > 1) ? "," : "").append("{\"id\":");
			quote(json, event.eventId()).append(",\"name\":");
			quote(json, event.eventName()).append(",\"timestamp\":");
			quote(json, event.eventTime().toString()).append(",\"data\":").append(event.eventData()).append('}');
		}
		return json.append(']').toString();
	}

	private static StringBuilder quote(StringBuilder json, String text) {
		json.append('"');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"');
	}

}
