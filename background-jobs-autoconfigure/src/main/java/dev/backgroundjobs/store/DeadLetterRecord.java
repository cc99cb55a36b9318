package dev.backgroundjobs.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A dead letter: a run whose retries ran out, or a record that could not be read.
 *
 * @param id the dead letter id: the run id for a failed run,
 * {@link #poisonId(String, String, int, long)} for a poison record
 * @param runId the failed run's id, or {@code null} for a poison record
 * @param functionId the function id (of the failed run, or of the consumer that read the
 * poison record)
 * @param stepId the step that failed, or {@code null} when the handler failed outside a
 * step or the record was poison
 * @param error the error
 * @param topic the topic of a poison record
 * @param partition the partition of a poison record, or -1
 * @param offset the offset of a poison record, or -1
 * @param rawKey the raw key of a poison record
 * @param rawValue the raw value of a poison record
 * @param createdAt when the dead letter was recorded
 * @param rawHeaders the headers of a poison record, encoded by the transport
 */
public record DeadLetterRecord(String id, @Nullable String runId, String functionId, @Nullable String stepId,
		String error, @Nullable String topic, int partition, long offset, byte @Nullable [] rawKey,
		byte @Nullable [] rawValue, Instant createdAt, byte @Nullable [] rawHeaders) {

	/**
	 * Creates a dead letter without record headers.
	 * @param id the dead letter id
	 * @param runId the failed run's id, or {@code null} for a poison record
	 * @param functionId the function id
	 * @param stepId the step that failed, or {@code null}
	 * @param error the error
	 * @param topic the topic of a poison record
	 * @param partition the partition of a poison record, or -1
	 * @param offset the offset of a poison record, or -1
	 * @param rawKey the raw key of a poison record
	 * @param rawValue the raw value of a poison record
	 * @param createdAt when the dead letter was recorded
	 */
	public DeadLetterRecord(String id, @Nullable String runId, String functionId, @Nullable String stepId, String error,
			@Nullable String topic, int partition, long offset, byte @Nullable [] rawKey, byte @Nullable [] rawValue,
			Instant createdAt) {
		this(id, runId, functionId, stepId, error, topic, partition, offset, rawKey, rawValue, createdAt, null);
	}

	/**
	 * Returns the id of the dead letter of a poison record: the same for every delivery
	 * of the record to the function, so a redelivered record adds no second dead letter.
	 * @param functionId the function whose consumer read the record
	 * @param topic the record's topic
	 * @param partition the record's partition
	 * @param offset the record's offset
	 * @return the id
	 */
	public static String poisonId(String functionId, String topic, int partition, long offset) {
		String coordinates = functionId + "\n" + topic + "\n" + partition + "\n" + offset;
		return "poison-" + UUID.nameUUIDFromBytes(coordinates.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Whether this dead letter is of a record that could not be read, rather than of a
	 * failed run.
	 * @return whether it is a poison record
	 */
	public boolean isPoison() {
		return this.runId == null;
	}

}
