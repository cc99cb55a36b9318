package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.backgroundjobs.engine.RunLifecycleListener;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.RunRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Publishes dead letters to the dead-letter topic for other consumers: a JSON summary for
 * a failed run, the original bytes and headers for a poison record. The database row is
 * the record of truth; this publication is best effort and a failure is logged.
 */
public final class DeadLetterPublisher implements RunLifecycleListener {

	/**
	 * Header naming the function of a dead letter.
	 */
	public static final String FUNCTION_HEADER = "bj-function-id";

	/**
	 * Header with the reason a record is a dead letter.
	 */
	public static final String ERROR_HEADER = "bj-error";

	private static final LogAccessor logger = new LogAccessor(DeadLetterPublisher.class);

	private final KafkaTemplate<String, byte[]> template;

	private final PayloadCodec codec;

	private final String topic;

	/**
	 * Creates a publisher.
	 * @param template the template
	 * @param codec serialises summaries
	 * @param topics names the dead-letter topic
	 */
	public DeadLetterPublisher(KafkaTemplate<String, byte[]> template, PayloadCodec codec, TopicNames topics) {
		this.template = template;
		this.codec = codec;
		this.topic = topics.deadLetters();
	}

	@Override
	public void runFailed(RunRecord run, @Nullable String stepId, String error) {
		Map<String, Object> summary = new LinkedHashMap<>();
		summary.put("runId", run.runId());
		summary.put("functionId", run.functionId());
		summary.put("eventId", run.eventId());
		summary.put("eventName", run.eventName());
		summary.put("stepId", stepId);
		summary.put("error", error);
		summary.put("data", this.codec.mapper().readTree(run.eventData()));
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topic, run.runId(),
				this.codec.encodeToBytes(summary, "dead letter of run " + run.runId()));
		record.headers().add(FUNCTION_HEADER, run.functionId().getBytes(StandardCharsets.UTF_8));
		send(record, "run " + run.runId());
	}

	void publishPoison(ConsumerRecord<String, byte[]> poison, String functionId, String reason) {
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topic, poison.key(), poison.value());
		for (Header header : poison.headers()) {
			record.headers().add(header);
		}
		record.headers().add(FUNCTION_HEADER, functionId.getBytes(StandardCharsets.UTF_8));
		record.headers().add(ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
		send(record, "poison record " + poison.topic() + "-" + poison.partition() + "@" + poison.offset());
	}

	private void send(ProducerRecord<String, byte[]> record, String what) {
		try {
			this.template.send(record).whenComplete((result, ex) -> {
				if (ex != null) {
					logger.warn(ex, () -> "Could not publish the dead letter of " + what + " to " + this.topic);
				}
			});
		}
		catch (RuntimeException ex) {
			logger.warn(ex, () -> "Could not publish the dead letter of " + what + " to " + this.topic);
		}
	}

}
