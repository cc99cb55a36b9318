package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Publishes dead letters to the dead-letter topic for other consumers: a JSON summary for
 * a failed run (keyed by run id), the original key, bytes and headers for a poison
 * record. Every record carries the dead letter's id in {@value #DEAD_LETTER_ID_HEADER},
 * so a consumer can drop the rare second copy (a relay that crashed between the
 * acknowledgement and marking the dead letter published).
 * <p>
 * A summary over the payload size limit is truncated (the error shortened, the event data
 * left out), never dropped.
 */
public final class DeadLetterPublisher {

	/**
	 * Header naming the function of a dead letter.
	 */
	public static final String FUNCTION_HEADER = "bj-function-id";

	/**
	 * Header with the reason a record is a dead letter.
	 */
	public static final String ERROR_HEADER = "bj-error";

	/**
	 * Header with the dead letter's id.
	 */
	public static final String DEAD_LETTER_ID_HEADER = "bj-dead-letter-id";

	/**
	 * Most characters of an error kept in a truncated summary or in the error header.
	 */
	static final int MAX_TRUNCATED_ERROR = 2000;

	private static final LogAccessor logger = new LogAccessor(DeadLetterPublisher.class);

	private final KafkaTemplate<String, byte[]> template;

	private final PayloadCodec codec;

	private final RunStore runStore;

	private final String topic;

	private final Duration sendTimeout;

	/**
	 * Creates a publisher.
	 * @param template the template
	 * @param codec serialises summaries
	 * @param runStore reads the failed runs' events for their summaries
	 * @param topics names the dead-letter topic
	 * @param sendTimeout how long to wait for the broker's acknowledgements
	 */
	public DeadLetterPublisher(KafkaTemplate<String, byte[]> template, PayloadCodec codec, RunStore runStore,
			TopicNames topics, Duration sendTimeout) {
		this.template = template;
		this.codec = codec;
		this.runStore = runStore;
		this.topic = topics.deadLetters();
		this.sendTimeout = sendTimeout;
	}

	/**
	 * Publishes dead letters and waits, up to the send timeout, for the broker to
	 * acknowledge them.
	 * @param deadLetters the dead letters
	 * @return the ids of those the broker acknowledged
	 */
	public List<String> publish(List<DeadLetterRecord> deadLetters) {
		long deadline = System.nanoTime() + this.sendTimeout.toNanos();
		Map<String, CompletableFuture<?>> sent = new LinkedHashMap<>();
		for (DeadLetterRecord deadLetter : deadLetters) {
			CompletableFuture<?> future;
			try {
				future = this.template.send(toRecord(deadLetter));
			}
			catch (RuntimeException ex) {
				logger.warn(ex, () -> "Could not publish dead letter " + deadLetter.id() + " to " + this.topic);
				continue;
			}
			sent.put(deadLetter.id(), future);
			// A send that failed at once (no metadata within max.block.ms: the broker is
			// down) or a deadline already passed: the rest would only wait as long again
			// while the claimed rows stay locked.
			if (future.isCompletedExceptionally() || System.nanoTime() - deadline > 0) {
				break;
			}
		}
		List<String> acknowledged = new ArrayList<>();
		for (Map.Entry<String, CompletableFuture<?>> entry : sent.entrySet()) {
			try {
				long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
				entry.getValue().get(remaining, TimeUnit.MILLISECONDS);
				acknowledged.add(entry.getKey());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			catch (ExecutionException | TimeoutException ex) {
				logger.debug(ex, () -> "Broker did not acknowledge dead letter " + entry.getKey() + " on " + this.topic
						+ "; it is published again later");
			}
		}
		return acknowledged;
	}

	ProducerRecord<String, byte[]> toRecord(DeadLetterRecord deadLetter) {
		ProducerRecord<String, byte[]> record;
		if (deadLetter.isPoison()) {
			record = new ProducerRecord<>(this.topic, keyOf(deadLetter.rawKey()), deadLetter.rawValue());
			for (Header header : RecordHeadersCodec.decode(deadLetter.rawHeaders())) {
				record.headers().add(header);
			}
			record.headers()
				.add(ERROR_HEADER, truncate(deadLetter.error(), MAX_TRUNCATED_ERROR).getBytes(StandardCharsets.UTF_8));
		}
		else {
			record = new ProducerRecord<>(this.topic, deadLetter.runId(), summary(deadLetter));
		}
		record.headers().add(FUNCTION_HEADER, deadLetter.functionId().getBytes(StandardCharsets.UTF_8));
		record.headers().add(DEAD_LETTER_ID_HEADER, deadLetter.id().getBytes(StandardCharsets.UTF_8));
		return record;
	}

	private byte[] summary(DeadLetterRecord deadLetter) {
		RunRecord run = this.runStore.find(deadLetter.runId());
		Map<String, @Nullable Object> summary = new LinkedHashMap<>();
		summary.put("runId", deadLetter.runId());
		summary.put("functionId", deadLetter.functionId());
		summary.put("eventId", (run != null) ? run.eventId() : null);
		summary.put("eventName", (run != null) ? run.eventName() : null);
		summary.put("attempt", (run != null) ? run.attempt() : null);
		summary.put("stepId", deadLetter.stepId());
		summary.put("error", deadLetter.error());
		String what = "dead letter of run " + deadLetter.runId();
		try {
			summary.put("data", (run != null) ? this.codec.mapper().readTree(run.eventData()) : null);
			return this.codec.encodeToBytes(summary, what);
		}
		catch (PayloadException ex) {
			return truncatedSummary(summary, deadLetter.error(), what);
		}
	}

	/**
	 * Leaves the event data out and shortens the error until the summary fits the size
	 * limit; with a limit too small even for that, the shortest summary goes anyway.
	 */
	private byte[] truncatedSummary(Map<String, @Nullable Object> summary, String error, String what) {
		summary.put("data", null);
		summary.put("truncated", true);
		for (int length = MAX_TRUNCATED_ERROR; length > 0; length /= 2) {
			summary.put("error", truncate(error, length));
			try {
				return this.codec.encodeToBytes(summary, what);
			}
			catch (PayloadException ex) {
				// Shorter still.
			}
		}
		summary.put("error", truncate(error, 0));
		return this.codec.mapper().writeValueAsBytes(summary);
	}

	private static @Nullable String keyOf(byte @Nullable [] rawKey) {
		return (rawKey != null) ? new String(rawKey, StandardCharsets.UTF_8) : null;
	}

	private static String truncate(String error, int length) {
		return (error.length() <= length) ? error : error.substring(0, length) + "…";
	}

}
