package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventWaitStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * Consumes every event topic of the application in one consumer group, so that each event
 * is checked once per application against the runs waiting for events. Event names are
 * known only at run time, so the container subscribes to the topic prefix as a pattern
 * and refreshes its metadata often enough to pick up new topics within seconds.
 */
public final class EventWaitConsumer implements SmartLifecycle {

	/**
	 * Suffix of the consumer group, after the group prefix.
	 */
	public static final String GROUP_SUFFIX = "event-waits";

	private static final LogAccessor logger = new LogAccessor(EventWaitConsumer.class);

	private final ConsumerFactory<String, byte[]> consumerFactory;

	private final TopicNames topics;

	private final EventWaitStore waits;

	private final PayloadCodec codec;

	/**
	 * Longest a fetch waits for {@link #FETCH_MIN_BYTES} to accumulate: how late a wait
	 * is resolved at most, beyond the time to read and match the event.
	 */
	static final Duration FETCH_MAX_WAIT = Duration.ofMillis(200);

	static final int FETCH_MIN_BYTES = 64 * 1024;

	static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);

	private final CommonErrorHandler errorHandler;

	private @Nullable ConcurrentMessageListenerContainer<String, byte[]> container;

	/**
	 * Creates the consumer.
	 * @param consumerFactory creates the Kafka consumer
	 * @param topics names the topics and the group
	 * @param waits resolves the waits
	 * @param codec reads payloads
	 * @param errorHandler retries a poll whose waits could not be resolved
	 */
	public EventWaitConsumer(ConsumerFactory<String, byte[]> consumerFactory, TopicNames topics, EventWaitStore waits,
			PayloadCodec codec, CommonErrorHandler errorHandler) {
		this.consumerFactory = consumerFactory;
		this.topics = topics;
		this.waits = waits;
		this.codec = codec;
		this.errorHandler = errorHandler;
	}

	@Override
	public synchronized void start() {
		if (this.container != null) {
			return;
		}
		String pattern = Pattern.quote(this.topics.prefix() + ".") + ".*";
		ContainerProperties properties = new ContainerProperties(Pattern.compile(pattern));
		properties.setGroupId(this.topics.groupFor(GROUP_SUFFIX));
		// This consumer reads every event of the application, most of which no run waits
		// for: it fetches in large batches (up to FETCH_MAX_WAIT late) and commits once
		// a second, so it costs the broker and this instance little. Resolving a wait is
		// idempotent, so events redelivered after a crash do no harm.
		properties.setAckMode(ContainerProperties.AckMode.TIME);
		properties.setAckTime(COMMIT_INTERVAL.toMillis());
		properties.setMessageListener(new EventWaitListener(this.waits, this.codec));
		// Topics of new event names appear at run time: find them within seconds.
		properties.getKafkaConsumerProperties()
			.putAll(Map.of(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "3000", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
					"earliest", ConsumerConfig.FETCH_MIN_BYTES_CONFIG, String.valueOf(FETCH_MIN_BYTES),
					ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT.toMillis())));
		ConcurrentMessageListenerContainer<String, byte[]> created = new ConcurrentMessageListenerContainer<>(
				this.consumerFactory, properties);
		created.setBeanName("background-jobs-event-waits");
		created.setCommonErrorHandler(this.errorHandler);
		created.start();
		this.container = created;
		logger.info(() -> "Started the event-wait consumer on topics matching " + pattern);
	}

	@Override
	public synchronized void stop() {
		if (this.container != null) {
			this.container.stop();
			this.container = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.container != null;
	}

	@Override
	public int getPhase() {
		return FunctionConsumers.PHASE;
	}

}
