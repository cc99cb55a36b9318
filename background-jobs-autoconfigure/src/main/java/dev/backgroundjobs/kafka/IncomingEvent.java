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
	 * Earliest event time accepted: MariaDB's and MySQL's {@code DATETIME} start at year
	 * 1000.
	 */
	static final Instant EARLIEST = Instant.parse("1000-01-01T00:00:00Z");

	/**
	 * Latest event time accepted: {@code DATETIME} ends with year 9999.
	 */
	static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

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
		// The id is the event's identity (runs and waits are keyed by it), so it is not
		// rewritten to make it storable: the record is a dead letter instead.
		if (id.indexOf('\u0000') >= 0) {
			throw new PoisonRecordException("Event id contains U+0000: " + id);
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
		if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
			throw new PoisonRecordException("Timestamp of event " + id + " is " + time + ", outside the range "
					+ EARLIEST + " to " + LATEST + " that every supported database can store");
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
