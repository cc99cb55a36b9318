package dev.backgroundjobs.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A dead letter: a run whose retries ran out, or a record that could not be read.
 *
 * @param id the dead letter id: the run id for a failed run, a new id for a poison record
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
 */
public record DeadLetterRecord(String id, @Nullable String runId, String functionId, @Nullable String stepId,
		String error, @Nullable String topic, int partition, long offset, byte @Nullable [] rawKey,
		byte @Nullable [] rawValue, Instant createdAt) {

}
