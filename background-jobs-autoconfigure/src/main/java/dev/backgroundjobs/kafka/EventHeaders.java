package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * The record headers that carry an event's identity: id, name and timestamp. The record
 * value is the payload's JSON and the key the event id (or a chosen partition key).
 */
public final class EventHeaders {

	/**
	 * Header with the event id.
	 */
	public static final String ID = "bj-event-id";

	/**
	 * Header with the event name.
	 */
	public static final String NAME = "bj-event-name";

	/**
	 * Header with the event timestamp, ISO-8601.
	 */
	public static final String TIMESTAMP = "bj-event-timestamp";

	private EventHeaders() {
	}

	static void write(Headers headers, String id, String name, Instant timestamp) {
		headers.add(ID, id.getBytes(StandardCharsets.UTF_8));
		headers.add(NAME, name.getBytes(StandardCharsets.UTF_8));
		headers.add(TIMESTAMP, timestamp.toString().getBytes(StandardCharsets.UTF_8));
	}

	static @Nullable String read(Headers headers, String key) {
		Header header = headers.lastHeader(key);
		return (header != null && header.value() != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
	}

}
