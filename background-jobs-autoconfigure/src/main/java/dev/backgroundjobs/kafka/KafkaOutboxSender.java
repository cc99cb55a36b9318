package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.backgroundjobs.outbox.OutboxRelay;
import dev.backgroundjobs.store.OutboxEntry;
import org.apache.kafka.clients.producer.ProducerRecord;

import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends outbox rows to Kafka as the records they were written as: same topic, key (the
 * event id), value and headers (with the trace context of the original {@code send}).
 * Creates the topic on its first use, as a direct send does.
 */
public final class KafkaOutboxSender implements OutboxRelay.Sender {

	private final KafkaTemplate<String, byte[]> template;

	private final TopicProvisioner provisioner;

	private final Duration sendTimeout;

	/**
	 * Creates a sender.
	 * @param template the template, configured for durable sends
	 * @param provisioner creates missing topics
	 * @param sendTimeout how long creating a topic may take
	 */
	public KafkaOutboxSender(KafkaTemplate<String, byte[]> template, TopicProvisioner provisioner,
			Duration sendTimeout) {
		this.template = template;
		this.provisioner = provisioner;
		this.sendTimeout = sendTimeout;
	}

	@Override
	public CompletableFuture<?> send(OutboxEntry entry) {
		this.provisioner.ensureTopics(Set.of(entry.topic()), System.nanoTime() + this.sendTimeout.toNanos());
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(entry.topic(), null, entry.eventId(),
				entry.value(), RecordHeadersCodec.decode(entry.headers()));
		return this.template.send(record);
	}

}
