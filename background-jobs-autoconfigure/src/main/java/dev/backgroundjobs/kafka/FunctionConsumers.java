package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunStore;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * Runs one consumer group per function on the topics of its trigger events, so functions
 * fan out independently and scale by partitions and instances.
 * <p>
 * Containers pause while the worker pool's backlog is full, so an instance never takes
 * more work than it will start soon, and resume when a worker frees up. Started after the
 * engine and stopped before it, so no record is taken once the engine drains.
 */
public final class FunctionConsumers implements SmartLifecycle {

	/**
	 * Lifecycle phase: after the engine's, so consumers stop first at shutdown.
	 */
	public static final int PHASE = Integer.MAX_VALUE - 1000;

	private static final LogAccessor logger = new LogAccessor(FunctionConsumers.class);

	/**
	 * How often the offsets of recorded events are committed.
	 */
	static final Duration COMMIT_INTERVAL = Duration.ofMillis(200);

	private final FunctionRegistry functions;

	private final ConsumerFactory<String, byte[]> consumerFactory;

	private final TopicNames topics;

	private final TopicProvisioner provisioner;

	private final Settings settings;

	private final Collaborators collaborators;

	private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers = new ArrayList<>();

	private volatile boolean running;

	/**
	 * Creates the consumers.
	 * @param functions the functions
	 * @param consumerFactory creates consumers for raw records
	 * @param topics names topics and groups
	 * @param provisioner creates missing topics
	 * @param settings consumer settings
	 * @param collaborators what the intake listeners hand records to
	 */
	public FunctionConsumers(FunctionRegistry functions, ConsumerFactory<String, byte[]> consumerFactory,
			TopicNames topics, TopicProvisioner provisioner, Settings settings, Collaborators collaborators) {
		this.functions = functions;
		this.consumerFactory = consumerFactory;
		this.topics = topics;
		this.provisioner = provisioner;
		this.settings = settings;
		this.collaborators = collaborators;
		collaborators.dispatcher().pool().onCapacityAvailable(this::resumeIfPaused);
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		Set<String> allTopics = new LinkedHashSet<>();
		allTopics.add(this.topics.deadLetters());
		for (FunctionDefinition function : this.functions.functions()) {
			function.eventNames().forEach((name) -> allTopics.add(this.topics.forEvent(name)));
		}
		this.provisioner.ensureTopics(allTopics);
		for (FunctionDefinition function : this.functions.functions()) {
			if (!function.eventNames().isEmpty()) {
				this.containers.add(createContainer(function));
			}
		}
		this.containers.forEach(ConcurrentMessageListenerContainer::start);
		this.running = true;
		logger.info(() -> "Started " + this.containers.size() + " function consumers");
	}

	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.containers.forEach(ConcurrentMessageListenerContainer::stop);
		this.containers.clear();
		this.running = false;
		logger.info("Stopped function consumers");
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Returns the containers, one per function with event triggers.
	 * @return the containers
	 */
	public List<ConcurrentMessageListenerContainer<String, byte[]>> containers() {
		return List.copyOf(this.containers);
	}

	private ConcurrentMessageListenerContainer<String, byte[]> createContainer(FunctionDefinition function) {
		String[] functionTopics = function.eventNames()
			.stream()
			.map(this.topics::forEvent)
			.distinct()
			.toArray(String[]::new);
		ContainerProperties properties = new ContainerProperties(functionTopics);
		properties.setGroupId(this.topics.groupFor(function.id()));
		// Offsets are committed only after the listener returns, that is after the poll's
		// runs are recorded: a crash before that redelivers the records, and their runs
		// are found recorded. So a commit per poll is not needed: one every
		// COMMIT_INTERVAL spares the consumer a broker round trip per poll.
		properties.setAckMode(ContainerProperties.AckMode.TIME);
		properties.setAckTime(COMMIT_INTERVAL.toMillis());
		properties.setPollTimeout(this.settings.pollTimeout().toMillis());
		properties.setMessageListener(
				new RunIntakeListener(function, this.collaborators, this.settings.lease(), this::pauseIfSaturated));
		ConcurrentMessageListenerContainer<String, byte[]> container = new ConcurrentMessageListenerContainer<>(
				this.consumerFactory, properties);
		container.setConcurrency(this.settings.concurrency());
		container.setBeanName("background-jobs-" + function.id());
		container.setCommonErrorHandler(this.settings.errorHandler());
		container.setAutoStartup(false);
		return container;
	}

	/**
	 * Pauses every container whose pool is saturated; called after each intake.
	 */
	private void pauseIfSaturated() {
		if (this.collaborators.dispatcher().pool().isSaturated()) {
			for (ConcurrentMessageListenerContainer<String, byte[]> container : this.containers) {
				if (!container.isPauseRequested()) {
					logger.debug("Worker backlog is full; pausing function consumers");
					container.pause();
				}
			}
		}
	}

	private void resumeIfPaused() {
		for (ConcurrentMessageListenerContainer<String, byte[]> container : this.containers) {
			if (container.isPauseRequested()) {
				logger.debug("Worker backlog has room; resuming function consumers");
				container.resume();
			}
		}
	}

	/**
	 * Consumer settings.
	 *
	 * @param concurrency consumer threads per function
	 * @param pollTimeout how long a poll waits for records
	 * @param lease the lease length of new runs
	 * @param errorHandler handles failures to record a poll, retrying it with backoff
	 */
	public record Settings(int concurrency, Duration pollTimeout, Duration lease, CommonErrorHandler errorHandler) {

	}

	/**
	 * What the intake listeners hand records to.
	 *
	 * @param runStore records runs
	 * @param deadLetterStore records poison records
	 * @param deadLetterPublisher publishes poison records
	 * @param dispatcher dispatches new runs
	 * @param codec checks payloads
	 * @param instanceId this instance's id, the lease owner
	 */
	public record Collaborators(RunStore runStore, DeadLetterStore deadLetterStore,
			DeadLetterPublisher deadLetterPublisher, RunDispatcher dispatcher, PayloadCodec codec, String instanceId) {

	}

}
