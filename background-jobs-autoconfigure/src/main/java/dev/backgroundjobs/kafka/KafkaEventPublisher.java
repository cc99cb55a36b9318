package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BackgroundJobsException;
import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.outbox.TransactionalOutbox;
import dev.backgroundjobs.store.OutboxEntry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.Assert;

/**
 * Publishes events to Kafka and waits for the broker's acknowledgement.
 * <p>
 * The send timeout bounds the whole publication: creating the topic, the producer's wait
 * for metadata (its {@code max.block.ms} is set to the timeout) and the acknowledgement.
 * A broker that cannot be reached in that time fails the caller with a
 * {@link BrokerUnavailableException}.
 * <p>
 * The payload is serialised before anything is sent, so bad data fails the caller with
 * nothing half-sent. The topic of an event no function of this application listens to is
 * created on its first use.
 * <p>
 * With a {@link TransactionalOutbox} that applies to the calling thread (a send inside a
 * transaction on the starter's DataSource, by default), the records are written to the
 * outbox in the caller's transaction instead, with the same key, value and headers
 * (including the trace context), and relayed to Kafka right after the commit.
 */
public final class KafkaEventPublisher implements EventPublisher {

	/**
	 * Name of the observation of a publication; with a meter registry it is the
	 * {@code background-jobs.publish} timer, the latency {@code send} adds to a request.
	 */
	public static final String PUBLISH_OBSERVATION = "background-jobs.publish";

	private static final LogAccessor logger = new LogAccessor(KafkaEventPublisher.class);

	private final KafkaTemplate<String, byte[]> template;

	private final PayloadCodec codec;

	private final TopicNames topics;

	private final TopicProvisioner provisioner;

	private final Duration sendTimeout;

	private final ObservationRegistry observations;

	private final Clock clock;

	private volatile @Nullable TransactionalOutbox outbox;

	/**
	 * Creates a publisher.
	 * @param template the template, configured for durable sends
	 * @param codec serialises payloads
	 * @param topics names topics
	 * @param provisioner creates missing topics
	 * @param sendTimeout how long a publication may take in all
	 * @param observations observes publications and propagates the trace context in the
	 * record headers
	 * @param clock the engine's clock, which stamps events sent by name and data
	 */
	public KafkaEventPublisher(KafkaTemplate<String, byte[]> template, PayloadCodec codec, TopicNames topics,
			TopicProvisioner provisioner, Duration sendTimeout, ObservationRegistry observations, Clock clock) {
		this.observations = observations;
		this.clock = clock;
		this.template = template;
		this.codec = codec;
		this.topics = topics;
		this.provisioner = provisioner;
		this.sendTimeout = sendTimeout;
	}

	/**
	 * Sets the outbox that sends inside transactions go through.
	 * @param outbox the outbox, or {@code null} to always publish directly
	 */
	public void setOutbox(@Nullable TransactionalOutbox outbox) {
		this.outbox = outbox;
	}

	@Override
	public String send(String name, Object data) {
		Assert.isTrue(name != null && !name.isBlank(), "Event name must not be null or blank");
		Assert.notNull(data, () -> "Data of event '" + name + "' must not be null");
		return publish(UUID.randomUUID().toString(), name, data, this.clock.instant());
	}

	@Override
	public String send(Event<?> event) {
		Assert.notNull(event, "Event must not be null");
		return publish(event.id(), event.name(), event.data(), event.timestamp());
	}

	@Override
	public List<String> sendAll(List<? extends Event<?>> events) {
		Assert.notNull(events, "Events must not be null");
		List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
		Set<String> topics = new LinkedHashSet<>();
		for (int i = 0; i < events.size(); i++) {
			Event<?> event = events.get(i);
			int index = i;
			Assert.notNull(event, () -> "Event " + index + " of the batch must not be null");
			ProducerRecord<String, byte[]> record = record(event.id(), event.name(), event.data(), event.timestamp());
			records.add(record);
			topics.add(record.topic());
		}
		if (records.isEmpty()) {
			return List.of();
		}
		TransactionalOutbox outbox = this.outbox;
		if (outbox != null && outbox.appliesToCurrentThread()) {
			return writeToOutbox(outbox, events, records);
		}
		long deadline = System.nanoTime() + this.sendTimeout.toNanos();
		boolean provisioned;
		try {
			provisioned = this.provisioner.ensureTopics(topics, deadline);
		}
		catch (BrokerUnavailableException ex) {
			throw batchUnavailable(records.size(), records.size(), ex);
		}
		List<Observation> observations = new ArrayList<>(records.size());
		for (int i = 0; i < records.size(); i++) {
			Event<?> event = events.get(i);
			observations.add(startObservation(records.get(i), event.id(), event.name()));
		}
		List<CompletableFuture<?>> sent = sendEach(records, observations, provisioned);
		return awaitAll(events, sent, deadline);
	}

	/**
	 * Hands every record to the producer without waiting. For a topic the producer has
	 * never written to, it blocks until it has the metadata, so then the records are
	 * handed over on a thread of their own.
	 */
	private List<CompletableFuture<?>> sendEach(List<ProducerRecord<String, byte[]>> records,
			List<Observation> observations, boolean provisioned) {
		if (!provisioned) {
			List<CompletableFuture<?>> sent = new ArrayList<>(records.size());
			for (int i = 0; i < records.size(); i++) {
				sent.add(sendObserved(records.get(i), observations.get(i)));
			}
			return sent;
		}
		CompletableFuture<List<CompletableFuture<?>>> handedOver = CompletableFuture
			.supplyAsync(() -> sendEach(records, observations, false), KafkaEventPublisher::onFirstSendThread);
		List<CompletableFuture<?>> sent = new ArrayList<>(records.size());
		for (int i = 0; i < records.size(); i++) {
			int index = i;
			sent.add(handedOver.thenCompose((futures) -> futures.get(index)));
		}
		return sent;
	}

	private CompletableFuture<?> sendObserved(ProducerRecord<String, byte[]> record, Observation observation) {
		try (Observation.Scope scope = observation.openScope()) {
			return this.template.send(record).whenComplete((result, failure) -> {
				if (failure != null) {
					observation.error(failure);
				}
				observation.stop();
			});
		}
		catch (RuntimeException ex) {
			observation.error(ex);
			observation.stop();
			return CompletableFuture.failedFuture(ex);
		}
	}

	// A record not acknowledged in time ends its observation when the producer gives up
	// on it (delivery.timeout.ms).
	private List<String> awaitAll(List<? extends Event<?>> events, List<CompletableFuture<?>> sent, long deadline) {
		List<String> ids = new ArrayList<>(events.size());
		int failed = 0;
		Throwable firstFailure = null;
		for (int i = 0; i < sent.size(); i++) {
			String id = events.get(i).id();
			ids.add(id);
			try {
				sent.get(i).get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new BackgroundJobsException("Interrupted while publishing a batch of " + events.size()
						+ " events; sending the same events again is safe", ex);
			}
			catch (ExecutionException | TimeoutException ex) {
				failed++;
				if (firstFailure == null) {
					firstFailure = (ex instanceof ExecutionException) ? ex.getCause() : ex;
				}
			}
		}
		if (firstFailure != null) {
			if (firstFailure instanceof TimeoutException || isBrokerUnavailable(firstFailure)) {
				throw batchUnavailable(failed, events.size(), firstFailure);
			}
			throw new BackgroundJobsException("Broker did not accept " + failed + " of " + events.size() + " events: "
					+ firstFailure.getMessage() + "; sending the same events again is safe", firstFailure);
		}
		logger.trace(() -> "Published a batch of " + events.size() + " events");
		return ids;
	}

	private BrokerUnavailableException batchUnavailable(int failed, int total, Throwable cause) {
		return new BrokerUnavailableException("Broker did not acknowledge " + failed + " of " + total
				+ " events within " + this.sendTimeout.toMillis() + " ms (background-jobs.kafka.send-timeout): "
				+ ((cause.getMessage() != null) ? cause.getMessage() : cause.getClass().getSimpleName())
				+ "; sending the same events again is safe", cause);
	}

	/**
	 * Validates and serialises an event into its record, so that bad input fails before
	 * anything is sent.
	 */
	private ProducerRecord<String, byte[]> record(String id, String name, Object data, Instant timestamp) {
		Assert.isTrue(id.length() <= 255, () -> "Id of event '" + name + "' is longer than 255 characters");
		Assert.isTrue(id.indexOf('\u0000') < 0, () -> "Id of event '" + name + "' contains U+0000");
		byte[] payload = this.codec.encodeToBytes(data, "data of event '" + name + "'");
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topics.forEvent(name), id, payload);
		EventHeaders.write(record.headers(), id, name, timestamp);
		return record;
	}

	private Observation startObservation(ProducerRecord<String, byte[]> record, String id, String name) {
		SenderContext<ProducerRecord<String, byte[]>> context = new SenderContext<>((carrier, key, value) -> {
			carrier.headers().remove(key);
			carrier.headers().add(key, value.getBytes(StandardCharsets.UTF_8));
		});
		context.setCarrier(record);
		context.setRemoteServiceName("kafka");
		return Observation.createNotStarted(PUBLISH_OBSERVATION, () -> context, this.observations)
			.contextualName("publish " + name)
			.lowCardinalityKeyValue("event", name)
			.highCardinalityKeyValue("event.id", id)
			.start();
	}

	private String publish(String id, String name, Object data, Instant timestamp) {
		ProducerRecord<String, byte[]> record = record(id, name, data, timestamp);
		TransactionalOutbox outbox = this.outbox;
		if (outbox != null && outbox.appliesToCurrentThread()) {
			writeToOutbox(outbox, List.of(new Event<>(id, name, data, timestamp)), List.of(record));
			return id;
		}
		String topic = record.topic();
		// One deadline for everything send may wait for: creating the topic, the
		// producer's metadata and the acknowledgement.
		long deadline = System.nanoTime() + this.sendTimeout.toNanos();
		boolean provisioned;
		try {
			provisioned = this.provisioner.ensureTopics(Set.of(topic), deadline);
		}
		catch (BrokerUnavailableException ex) {
			throw unavailable(id, name, ex);
		}
		Observation observation = startObservation(record, id, name);
		try (Observation.Scope scope = observation.openScope()) {
			CompletableFuture<?> sent = provisioned ? sendOffThread(record) : this.template.send(record);
			sent.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw failed(observation,
					new BackgroundJobsException("Interrupted while publishing event " + id + " '" + name + "'", ex));
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (isBrokerUnavailable(cause)) {
				throw failed(observation, unavailable(id, name, cause));
			}
			throw failed(observation, new BackgroundJobsException(
					"Broker did not accept event " + id + " '" + name + "': " + cause.getMessage(), cause));
		}
		catch (TimeoutException ex) {
			throw failed(observation, unavailable(id, name, ex));
		}
		catch (KafkaException ex) {
			throw failed(observation, new BackgroundJobsException(
					"Could not publish event " + id + " '" + name + "': " + ex.getMessage(), ex));
		}
		finally {
			observation.stop();
		}
		logger.trace(() -> "Published event " + id + " '" + name + "' to " + topic);
		return id;
	}

	/**
	 * Writes the records to the outbox, each under an observation that puts the caller's
	 * trace context into its headers, as a direct send would.
	 */
	private List<String> writeToOutbox(TransactionalOutbox outbox, List<? extends Event<?>> events,
			List<ProducerRecord<String, byte[]>> records) {
		List<Observation> observations = new ArrayList<>(records.size());
		List<OutboxEntry> entries = new ArrayList<>(records.size());
		for (int i = 0; i < records.size(); i++) {
			Event<?> event = events.get(i);
			ProducerRecord<String, byte[]> record = records.get(i);
			observations.add(startObservation(record, event.id(), event.name()));
			entries.add(OutboxEntry.of(event.id(), event.name(), record.topic(), record.value(),
					RecordHeadersCodec.encode(record.headers())));
		}
		try {
			outbox.write(entries);
		}
		catch (RuntimeException ex) {
			observations.forEach((observation) -> observation.error(ex));
			throw ex;
		}
		finally {
			observations.forEach(Observation::stop);
		}
		logger.trace(() -> "Wrote " + records.size() + " events to the outbox");
		return events.stream().map(Event::id).toList();
	}

	/**
	 * Sends on a thread of its own, for a topic the producer has never written to: the
	 * producer blocks the sending thread until it has the topic's metadata, so the caller
	 * waits for the future instead, and no longer than its deadline.
	 */
	private CompletableFuture<?> sendOffThread(ProducerRecord<String, byte[]> record) {
		return CompletableFuture.supplyAsync(() -> this.template.send(record), KafkaEventPublisher::onFirstSendThread)
			.thenCompose((sent) -> sent);
	}

	private static void onFirstSendThread(Runnable task) {
		Thread thread = new Thread(task, "background-jobs-first-send");
		thread.setDaemon(true);
		thread.start();
	}

	private BrokerUnavailableException unavailable(String id, String name, Throwable cause) {
		return new BrokerUnavailableException(
				"Broker did not acknowledge event " + id + " '" + name + "' within " + this.sendTimeout.toMillis()
						+ " ms (background-jobs.kafka.send-timeout): "
						+ ((cause.getMessage() != null) ? cause.getMessage() : cause.getClass().getSimpleName()),
				cause);
	}

	/**
	 * Whether a send failed because the broker could not be reached or answered too late,
	 * rather than because it refused the record.
	 */
	private static boolean isBrokerUnavailable(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof RetriableException || cause instanceof BrokerUnavailableException) {
				return true;
			}
		}
		return false;
	}

	private static long remainingMillis(long deadlineNanos) {
		return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
	}

	private static BackgroundJobsException failed(Observation observation, BackgroundJobsException ex) {
		observation.error(ex);
		return ex;
	}

}
