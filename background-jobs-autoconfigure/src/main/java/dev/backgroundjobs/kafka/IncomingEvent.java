package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * An event read from a record.
 *
 * @param id the event id
 * @param name the event name
 * @param timestamp when the event happened
 * @param dataJson the payload as JSON
 */
record IncomingEvent(String id, String name, Instant timestamp, String dataJson) {

	/**
	 * Reads an event from a record.
	 * @param record the record
	 * @param codec checks the payload is JSON
	 * @return the event
	 * @throws PoisonRecordException if the record is not a readable event
	 */
	static IncomingEvent from(ConsumerRecord<String, byte[]> record, PayloadCodec codec) {
		String id = EventHeaders.read(record.headers(), EventHeaders.ID);
		String name = EventHeaders.read(record.headers(), EventHeaders.NAME);
		String timestamp = EventHeaders.read(record.headers(), EventHeaders.TIMESTAMP);
		if (id == null || id.isBlank() || name == null || name.isBlank()) {
			throw new PoisonRecordException("Record has no '" + EventHeaders.ID + "' or '" + EventHeaders.NAME
					+ "' header; it was not published by an EventPublisher");
		}
		if (id.length() > 255) {
			throw new PoisonRecordException("Event id is longer than 255 characters");
		}
		if (record.value() == null) {
			throw new PoisonRecordException("Record of event " + id + " has no value");
		}
		Instant time;
		try {
			time = (timestamp != null) ? Instant.parse(timestamp) : Instant.ofEpochMilli(record.timestamp());
		}
		catch (DateTimeParseException ex) {
			throw new PoisonRecordException("Header '" + EventHeaders.TIMESTAMP + "' of event " + id
					+ " is not an ISO-8601 instant: " + timestamp);
		}
		try {
			return new IncomingEvent(id, name, time, codec.readJsonText(record.value()));
		}
		catch (PayloadException ex) {
			String preview = new String(record.value(), 0, Math.min(record.value().length, 80), StandardCharsets.UTF_8);
			throw new PoisonRecordException(
					"Payload of event " + id + " is not JSON (" + ex.getMessage() + "), starts with: " + preview);
		}
	}

}
