package dev.backgroundjobs.kafka;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventWaitStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataAccessException;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Consumes every event topic of the application in one consumer group, so that each event
 * is checked once per application against the runs waiting for events. Event names are
 * known only at run time, so the container subscribes to the topic prefix as a pattern
 * and refreshes its metadata often enough to pick up new topics within seconds.
 * <p>
 * Reading every event costs the broker and this instance as much as a second consumer of
 * all traffic, so the container runs only while some run waits for an event: a check
 * every {@link Settings#checkInterval()} starts it when an open wait exists and stops it
 * once none has existed for {@link Settings#idleTimeout()}. Nothing is missed while it is
 * stopped: it resumes from its group's committed offsets, skipping (by offset, see
 * {@link SkipToOldestWait}) only events that reached the broker before every open wait
 * for their name began, which cannot resolve them.
 * <p>
 * State: the container and the time an open wait was last seen are guarded by this
 * object's lock; the check runs on a thread of its own.
 */
public final class EventWaitConsumer implements SmartLifecycle {

	/**
	 * Suffix of the consumer group, after the group prefix.
	 */
	public static final String GROUP_SUFFIX = "event-waits";

	/**
	 * Longest a fetch waits for {@link #FETCH_MIN_BYTES} to accumulate: how late a wait
	 * is resolved at most, beyond the time to read and match the event.
	 */
	static final Duration FETCH_MAX_WAIT = Duration.ofMillis(200);

	static final int FETCH_MIN_BYTES = 64 * 1024;

	static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);

	private static final LogAccessor logger = new LogAccessor(EventWaitConsumer.class);

	private final ConsumerFactory<String, byte[]> consumerFactory;

	private final TopicNames topics;

	private final EventWaitStore waits;

	private final PayloadCodec codec;

	private final CommonErrorHandler errorHandler;

	private final Settings settings;

	private @Nullable ScheduledExecutorService checks;

	private @Nullable ConcurrentMessageListenerContainer<String, byte[]> container;

	private Instant lastOpenWaitSeen = Instant.MIN;

	/**
	 * Creates the consumer.
	 * @param consumerFactory creates the Kafka consumer
	 * @param topics names the topics and the group
	 * @param waits resolves the waits
	 * @param codec reads payloads
	 * @param errorHandler retries a poll whose waits could not be resolved
	 * @param settings when the container runs
	 */
	public EventWaitConsumer(ConsumerFactory<String, byte[]> consumerFactory, TopicNames topics, EventWaitStore waits,
			PayloadCodec codec, CommonErrorHandler errorHandler, Settings settings) {
		this.consumerFactory = consumerFactory;
		this.topics = topics;
		this.waits = waits;
		this.codec = codec;
		this.errorHandler = errorHandler;
		this.settings = settings;
	}

	@Override
	public synchronized void start() {
		if (this.checks != null) {
			return;
		}
		CustomizableThreadFactory threads = new CustomizableThreadFactory("background-jobs-event-waits-check-");
		threads.setDaemon(true);
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(threads);
		scheduler.scheduleWithFixedDelay(this::check, 0, this.settings.checkInterval().toMillis(),
				TimeUnit.MILLISECONDS);
		this.checks = scheduler;
	}

	@Override
	public synchronized void stop() {
		if (this.checks != null) {
			this.checks.shutdownNow();
			this.checks = null;
		}
		stopContainer();
	}

	@Override
	public synchronized boolean isRunning() {
		return this.checks != null;
	}

	/**
	 * Whether the container is consuming events, that is whether a run waited for an
	 * event recently.
	 * @return whether events are being read
	 */
	public synchronized boolean isConsuming() {
		return this.container != null;
	}

	/**
	 * Starts the container if a run waits for an event, or stops it if none has for the
	 * idle timeout.
	 */
	void check() {
		Instant oldest;
		try {
			oldest = this.waits.oldestOpenWait();
		}
		catch (DataAccessException ex) {
			logger.debug(ex, "Could not check for open event waits; checking again shortly");
			return;
		}
		catch (RuntimeException ex) {
			// A periodic task that throws is never run again: keep checking.
			logger.error(ex, "Could not check for open event waits");
			return;
		}
		synchronized (this) {
			if (this.checks == null) {
				return;
			}
			Instant now = this.settings.clock().instant();
			if (oldest != null) {
				this.lastOpenWaitSeen = now;
				if (this.container == null) {
					startContainer();
				}
			}
			else if (this.container != null
					&& Duration.between(this.lastOpenWaitSeen, now).compareTo(this.settings.idleTimeout()) > 0) {
				logger.info("No run waits for an event; stopping the event-wait consumer");
				stopContainer();
			}
		}
	}

	private void startContainer() {
		String pattern = Pattern.quote(this.topics.prefix() + ".") + ".*";
		ContainerProperties properties = new ContainerProperties(Pattern.compile(pattern));
		properties.setGroupId(this.topics.groupFor(GROUP_SUFFIX));
		// Fetches in large batches (up to FETCH_MAX_WAIT late) and commits once a second:
		// most events match no wait. Resolving a wait is idempotent, so events
		// redelivered after a crash do no harm.
		properties.setAckMode(ContainerProperties.AckMode.TIME);
		properties.setAckTime(COMMIT_INTERVAL.toMillis());
		properties.setMessageListener(new EventWaitListener(this.waits, this.codec));
		properties.setConsumerRebalanceListener(new SkipToOldestWait(this.waits, this.topics));
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
		logger.info(() -> "A run waits for an event; started the event-wait consumer on topics matching " + pattern);
	}

	private void stopContainer() {
		if (this.container != null) {
			this.container.stop();
			this.container = null;
		}
	}

	@Override
	public int getPhase() {
		return FunctionConsumers.PHASE;
	}

	/**
	 * When the container runs.
	 *
	 * @param checkInterval how often to check for open waits: at most how long a new wait
	 * waits for the container to start
	 * @param idleTimeout how long the container keeps running after the last open wait
	 * was resolved
	 * @param clock measures the idle time
	 */
	public record Settings(Duration checkInterval, Duration idleTimeout, Clock clock) {

	}

}
