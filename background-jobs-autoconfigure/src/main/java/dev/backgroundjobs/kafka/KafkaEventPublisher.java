package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BackgroundJobsException;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.json.PayloadCodec;
import org.apache.kafka.clients.producer.ProducerRecord;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.Assert;

/**
 * Publishes events to Kafka and waits for the broker's acknowledgement.
 * <p>
 * The payload is serialised before anything is sent, so bad data fails the caller with
 * nothing half-sent. The topic of an event no function of this application listens to is
 * created on its first use.
 */
public final class KafkaEventPublisher implements EventPublisher {

	private static final LogAccessor logger = new LogAccessor(KafkaEventPublisher.class);

	private final KafkaTemplate<String, byte[]> template;

	private final PayloadCodec codec;

	private final TopicNames topics;

	private final TopicProvisioner provisioner;

	private final Duration sendTimeout;

	/**
	 * Creates a publisher.
	 * @param template the template, configured for durable sends
	 * @param codec serialises payloads
	 * @param topics names topics
	 * @param provisioner creates missing topics
	 * @param sendTimeout how long to wait for the acknowledgement
	 */
	public KafkaEventPublisher(KafkaTemplate<String, byte[]> template, PayloadCodec codec, TopicNames topics,
			TopicProvisioner provisioner, Duration sendTimeout) {
		this.template = template;
		this.codec = codec;
		this.topics = topics;
		this.provisioner = provisioner;
		this.sendTimeout = sendTimeout;
	}

	@Override
	public String send(String name, Object data) {
		Assert.isTrue(name != null && !name.isBlank(), "Event name must not be null or blank");
		Assert.notNull(data, () -> "Data of event '" + name + "' must not be null");
		return publish(UUID.randomUUID().toString(), name, data, Instant.now());
	}

	@Override
	public String send(Event<?> event) {
		Assert.notNull(event, "Event must not be null");
		return publish(event.id(), event.name(), event.data(), event.timestamp());
	}

	private String publish(String id, String name, Object data, Instant timestamp) {
		Assert.isTrue(id.length() <= 255, () -> "Id of event '" + name + "' is longer than 255 characters");
		byte[] payload = this.codec.encodeToBytes(data, "data of event '" + name + "'");
		String topic = this.topics.forEvent(name);
		this.provisioner.ensureTopics(Set.of(topic));
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, id, payload);
		EventHeaders.write(record.headers(), id, name, timestamp);
		try {
			this.template.send(record).get(this.sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackgroundJobsException("Interrupted while publishing event " + id + " '" + name + "'", ex);
		}
		catch (ExecutionException ex) {
			throw new BackgroundJobsException(
					"Broker did not accept event " + id + " '" + name + "': " + ex.getCause().getMessage(),
					ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new BackgroundJobsException("Broker did not acknowledge event " + id + " '" + name + "' within "
					+ this.sendTimeout.toMillis() + " ms (background-jobs.kafka.send-timeout)", ex);
		}
		logger.trace(() -> "Published event " + id + " '" + name + "' to " + topic);
		return id;
	}

}
