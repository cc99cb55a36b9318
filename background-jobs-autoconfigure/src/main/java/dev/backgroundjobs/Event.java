package dev.backgroundjobs;

import java.time.Instant;
import java.util.UUID;

import org.springframework.util.Assert;

/**
 * An event: a named payload that triggers the functions listening to its name.
 *
 * @param <T> the payload type
 * @param id the unique event id; publishing the same id twice triggers each function once
 * @param name the event name, for example {@code api/document.uploaded}
 * @param data the payload
 * @param timestamp when the event happened
 */
public record Event<T>(String id, String name, T data, Instant timestamp) {

	/**
	 * Creates an event, checking its arguments.
	 * @param id the unique event id
	 * @param name the event name
	 * @param data the payload
	 * @param timestamp when the event happened
	 */
	public Event {
		Assert.hasText(id, "'id' must not be empty");
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		Assert.notNull(timestamp, "'timestamp' must not be null");
	}

	/**
	 * Creates an event with a new unique id and the current time.
	 * @param <T> the payload type
	 * @param name the event name
	 * @param data the payload
	 * @return the event
	 */
	public static <T> Event<T> of(String name, T data) {
		return new Event<>(UUID.randomUUID().toString(), name, data, Instant.now());
	}

	/**
	 * Returns a copy of this event with the given id, typically a business key used as an
	 * idempotency key: a second event with the same id starts no second run.
	 * @param id the event id
	 * @return the copy
	 */
	public Event<T> withId(String id) {
		return new Event<>(id, this.name, this.data, this.timestamp);
	}

}
