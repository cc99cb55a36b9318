package dev.backgroundjobs.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An event in the outbox: the Kafka record exactly as it will be sent.
 *
 * @param outboxId the row's id, which orders the outbox; {@code 0} before it is written
 * @param eventId the event id, the record key
 * @param eventName the event name
 * @param topic the topic
 * @param value the record value
 * @param headers the record headers, encoded, or {@code null} for none
 * @param createdAt when the row was written, on the database's clock; {@code null} before
 * it is read back
 */
public record OutboxEntry(long outboxId, String eventId, String eventName, String topic, byte[] value,
		byte @Nullable [] headers, @Nullable Instant createdAt) {

	/**
	 * Creates an entry to write.
	 * @param eventId the event id, the record key
	 * @param eventName the event name
	 * @param topic the topic
	 * @param value the record value
	 * @param headers the record headers, encoded, or {@code null} for none
	 * @return the entry
	 */
	public static OutboxEntry of(String eventId, String eventName, String topic, byte[] value,
			byte @Nullable [] headers) {
		return new OutboxEntry(0, eventId, eventName, topic, value, headers, null);
	}

	/**
	 * Returns this entry with the id it was written with.
	 * @param id the outbox id
	 * @return the written entry
	 */
	public OutboxEntry withId(long id) {
		return new OutboxEntry(id, this.eventId, this.eventName, this.topic, this.value, this.headers, this.createdAt);
	}

}
