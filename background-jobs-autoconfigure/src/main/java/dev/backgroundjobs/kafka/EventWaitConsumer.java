package dev.backgroundjobs.kafka;

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
		properties.setAckMode(ContainerProperties.AckMode.BATCH);
		properties.setMessageListener(new EventWaitListener(this.waits, this.codec));
		// Topics of new event names appear at run time: find them within seconds.
		properties.getKafkaConsumerProperties()
			.putAll(Map.of(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "3000", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
					"earliest"));
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
