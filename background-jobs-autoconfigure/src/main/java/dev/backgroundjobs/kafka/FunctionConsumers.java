package dev.backgroundjobs.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.engine.Executions;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

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
 * <p>
 * Starting waits a few seconds at most for the broker: when it does not answer, the
 * topics are created, and the containers started, on a thread of their own that retries
 * until it does, so an application starts while its broker is down.
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

	/**
	 * Suffix of the consumer group of the events that cancel runs, after the group
	 * prefix.
	 */
	public static final String CANCEL_GROUP_SUFFIX = "cancellations";

	private static final Duration PROVISION_BACKOFF_MIN = Duration.ofMillis(500);

	private static final Duration PROVISION_BACKOFF_MAX = Duration.ofSeconds(5);

	private static final Duration STARTER_JOIN_TIMEOUT = Duration.ofSeconds(5);

	// Longer than a container's own shutdown timeout (10 s by default).
	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

	private static final Duration FIRST_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

	private final FunctionRegistry functions;

	private final ConsumerFactory<String, byte[]> consumerFactory;

	private final TopicNames topics;

	private final TopicProvisioner provisioner;

	private final Settings settings;

	private final Collaborators collaborators;

	// Read without the lock by intake threads that pause and resume the containers.
	private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers = new CopyOnWriteArrayList<>();

	// Not paused with the intake: cancelling takes no worker.
	private @Nullable ConcurrentMessageListenerContainer<String, byte[]> cancelContainer;

	private volatile boolean running;

	private @Nullable Thread starter;

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
		this.running = true;
		// Usually the broker answers at once, and the consumers start before the
		// application reports itself started.
		try {
			this.provisioner.ensureTopics(allTopics(), System.nanoTime() + FIRST_ATTEMPT_TIMEOUT.toNanos());
			startContainers();
			return;
		}
		catch (RuntimeException ex) {
			logger.warn(() -> "Could not create the topics of the functions; the application starts, and the "
					+ "consumers start once the broker answers: " + ex.getMessage());
		}
		// The broker is down: the application starts anyway, and the consumers start
		// once their topics exist.
		Thread starter = new Thread(this::provisionAndStartContainers, "background-jobs-consumers-start");
		starter.setDaemon(true);
		this.starter = starter;
		starter.start();
	}

	@Override
	public void stop() {
		Thread starter;
		synchronized (this) {
			if (!this.running) {
				return;
			}
			this.running = false;
			starter = this.starter;
			this.starter = null;
		}
		if (starter != null) {
			starter.interrupt();
			try {
				starter.join(STARTER_JOIN_TIMEOUT.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		synchronized (this) {
			List<ConcurrentMessageListenerContainer<?, ?>> stopping = new ArrayList<>(this.containers);
			if (this.cancelContainer != null) {
				stopping.add(this.cancelContainer);
				this.cancelContainer = null;
			}
			this.containers.clear();
			stopAll(stopping);
		}
		logger.info("Stopped function consumers");
	}

	/**
	 * Stops containers at once rather than one after another: each consumer leaves its
	 * group as it closes, a round trip or more to the broker, which made the shutdown of
	 * an application with 40 functions last several seconds.
	 */
	private static void stopAll(List<ConcurrentMessageListenerContainer<?, ?>> containers) {
		CountDownLatch stopped = new CountDownLatch(containers.size());
		for (ConcurrentMessageListenerContainer<?, ?> container : containers) {
			container.stop(stopped::countDown);
		}
		try {
			if (!stopped.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				logger.warn(() -> stopped.getCount() + " function consumers did not stop within "
						+ STOP_TIMEOUT.toSeconds() + " s; their threads end when their consumers close");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Creates the topics of the functions and the dead-letter topic, retrying with
	 * backoff until the broker answers, then starts one container per function.
	 */
	private void provisionAndStartContainers() {
		Set<String> allTopics = allTopics();
		long backoffMillis = PROVISION_BACKOFF_MIN.toMillis();
		int failures = 0;
		while (this.running) {
			try {
				this.provisioner.ensureTopics(allTopics);
				break;
			}
			catch (RuntimeException ex) {
				failures++;
				// Logged on the first failure and then every tenth, to keep an outage
				// from flooding the log.
				if (failures % 10 == 1) {
					int failed = failures;
					logger.warn(() -> "Could not create the topics of the functions (attempt " + failed
							+ "); consumers start once the broker answers: " + ex.getMessage());
				}
			}
			try {
				Thread.sleep(backoffMillis);
			}
			catch (InterruptedException ex) {
				return;
			}
			backoffMillis = Math.min(backoffMillis * 2, PROVISION_BACKOFF_MAX.toMillis());
		}
		synchronized (this) {
			if (!this.running || this.starter != Thread.currentThread()) {
				return;
			}
			this.starter = null;
			startContainers();
		}
	}

	private Set<String> allTopics() {
		Set<String> allTopics = new LinkedHashSet<>();
		allTopics.add(this.topics.deadLetters());
		for (FunctionDefinition function : this.functions.functions()) {
			function.eventNames().forEach((name) -> allTopics.add(this.topics.forEvent(name)));
		}
		CancelEventListener.eventNames(this.functions.functions())
			.forEach((name) -> allTopics.add(this.topics.forEvent(name)));
		return allTopics;
	}

	private synchronized void startContainers() {
		for (FunctionDefinition function : this.functions.functions()) {
			if (!function.eventNames().isEmpty()) {
				this.containers.add(createContainer(function));
			}
		}
		this.containers.forEach(ConcurrentMessageListenerContainer::start);
		logger.info(() -> "Started " + this.containers.size() + " function consumers");
		Set<String> cancelEvents = CancelEventListener.eventNames(this.functions.functions());
		if (!cancelEvents.isEmpty()) {
			this.cancelContainer = createCancelContainer(cancelEvents);
			this.cancelContainer.start();
			logger.info(() -> "Started the consumer of the events that cancel runs: " + cancelEvents);
		}
	}

	/**
	 * Creates the container that reads the events named in {@code cancelOn}, in one group
	 * per application.
	 */
	private ConcurrentMessageListenerContainer<String, byte[]> createCancelContainer(Set<String> eventNames) {
		ContainerProperties properties = new ContainerProperties(
				eventNames.stream().map(this.topics::forEvent).distinct().toArray(String[]::new));
		properties.setGroupId(this.topics.groupFor(CANCEL_GROUP_SUFFIX));
		properties.setAckMode(ContainerProperties.AckMode.TIME);
		properties.setAckTime(COMMIT_INTERVAL.toMillis());
		properties.setPollTimeout(this.settings.pollTimeout().toMillis());
		properties.setMessageListener(new CancelEventListener(this.functions.functions(),
				this.collaborators.cancellations(), this.collaborators.codec(), this.collaborators.clock()));
		ConcurrentMessageListenerContainer<String, byte[]> container = new ConcurrentMessageListenerContainer<>(
				this.consumerFactory, properties);
		container.setBeanName("background-jobs-cancellations");
		container.setCommonErrorHandler(this.settings.errorHandler());
		container.setAutoStartup(false);
		return container;
	}

	/**
	 * Returns the container of the events that cancel runs.
	 * @return the container, or {@code null} if no function declares such events or the
	 * consumers have not started
	 */
	public synchronized @Nullable ConcurrentMessageListenerContainer<String, byte[]> cancelContainer() {
		return this.cancelContainer;
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
	public synchronized List<ConcurrentMessageListenerContainer<String, byte[]>> containers() {
		return List.copyOf(this.containers);
	}

	private ConcurrentMessageListenerContainer<String, byte[]> createContainer(FunctionDefinition function) {
		String[] functionTopics = function.eventNames()
			.stream()
			.map(this.topics::forEvent)
			.distinct()
			.toArray(String[]::new);
		ContainerProperties properties = new ContainerProperties(functionTopics);
		properties.setGroupId(this.topics.functionGroup(function.id()));
		// Offsets are committed only after the listener returns, that is after the poll's
		// runs are recorded: a crash before that redelivers the records, and their runs
		// are found recorded. So a commit per poll is not needed: one every
		// COMMIT_INTERVAL spares the consumer a broker round trip per poll.
		properties.setAckMode(ContainerProperties.AckMode.TIME);
		properties.setAckTime(COMMIT_INTERVAL.toMillis());
		properties.setPollTimeout(this.settings.pollTimeout().toMillis());
		properties.setMessageListener(new RunIntakeListener(function, this.collaborators, this.settings.lease(),
				this.settings.holdAhead(), this::pauseIfSaturated));
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
	 * @param holdAhead how far ahead a throttle may start a new run and the recording
	 * instance still hold it, to start it at its time
	 */
	public record Settings(int concurrency, Duration pollTimeout, Duration lease, CommonErrorHandler errorHandler,
			Duration holdAhead) {

		/**
		 * Creates settings that hold throttled runs for the default look-ahead of the
		 * due-work poller.
		 * @param concurrency consumer threads per function
		 * @param pollTimeout how long a poll waits for records
		 * @param lease the lease length of new runs
		 * @param errorHandler handles failures to record a poll, retrying it with backoff
		 */
		public Settings(int concurrency, Duration pollTimeout, Duration lease, CommonErrorHandler errorHandler) {
			this(concurrency, pollTimeout, lease, errorHandler, Duration.ofSeconds(2));
		}

	}

	/**
	 * What the intake listeners hand records to.
	 *
	 * @param runStore records runs
	 * @param cancellations cancels runs by the events their functions declare in
	 * {@code cancelOn}
	 * @param deadLetterStore records poison records
	 * @param deadLetterRelay publishes recorded poison records
	 * @param dispatcher dispatches new runs
	 * @param codec checks payloads
	 * @param instanceId this instance's id, the lease owner
	 * @param clock the engine's clock, for the times of new runs and poison records
	 * @param skippedEvents told of the events that flow control skipped
	 * @param batches keeps the events of batched functions until their batch runs, or
	 * {@code null} if no function is batched
	 * @param executions the executions on this instance, told to stop when a new run of
	 * their singleton key supersedes them, or {@code null} to leave that to the lease
	 * heartbeat
	 */
	public record Collaborators(RunStore runStore, CancellationStore cancellations, DeadLetterStore deadLetterStore,
			DeadLetterRelay deadLetterRelay, RunDispatcher dispatcher, PayloadCodec codec, String instanceId,
			Clock clock, SkippedEvents skippedEvents, @Nullable BatchStore batches, @Nullable Executions executions) {

		/**
		 * Creates collaborators that leave stopping superseded executions to the lease
		 * heartbeat.
		 * @param runStore records runs
		 * @param cancellations cancels runs
		 * @param deadLetterStore records poison records
		 * @param deadLetterRelay publishes recorded poison records
		 * @param dispatcher dispatches new runs
		 * @param codec checks payloads
		 * @param instanceId this instance's id
		 * @param clock the engine's clock
		 * @param skippedEvents told of the events that flow control skipped
		 * @param batches keeps the events of batched functions, or {@code null}
		 */
		public Collaborators(RunStore runStore, CancellationStore cancellations, DeadLetterStore deadLetterStore,
				DeadLetterRelay deadLetterRelay, RunDispatcher dispatcher, PayloadCodec codec, String instanceId,
				Clock clock, SkippedEvents skippedEvents, @Nullable BatchStore batches) {
			this(runStore, cancellations, deadLetterStore, deadLetterRelay, dispatcher, codec, instanceId, clock,
					skippedEvents, batches, null);
		}

		/**
		 * Creates collaborators for functions that are not batched.
		 * @param runStore records runs
		 * @param cancellations cancels runs
		 * @param deadLetterStore records poison records
		 * @param deadLetterRelay publishes recorded poison records
		 * @param dispatcher dispatches new runs
		 * @param codec checks payloads
		 * @param instanceId this instance's id
		 * @param clock the engine's clock
		 * @param skippedEvents told of the events that flow control skipped
		 */
		public Collaborators(RunStore runStore, CancellationStore cancellations, DeadLetterStore deadLetterStore,
				DeadLetterRelay deadLetterRelay, RunDispatcher dispatcher, PayloadCodec codec, String instanceId,
				Clock clock, SkippedEvents skippedEvents) {
			this(runStore, cancellations, deadLetterStore, deadLetterRelay, dispatcher, codec, instanceId, clock,
					skippedEvents, null);
		}

		/**
		 * Creates collaborators that ignore skipped events.
		 * @param runStore records runs
		 * @param cancellations cancels runs
		 * @param deadLetterStore records poison records
		 * @param deadLetterRelay publishes recorded poison records
		 * @param dispatcher dispatches new runs
		 * @param codec checks payloads
		 * @param instanceId this instance's id
		 * @param clock the engine's clock
		 */
		public Collaborators(RunStore runStore, CancellationStore cancellations, DeadLetterStore deadLetterStore,
				DeadLetterRelay deadLetterRelay, RunDispatcher dispatcher, PayloadCodec codec, String instanceId,
				Clock clock) {
			this(runStore, cancellations, deadLetterStore, deadLetterRelay, dispatcher, codec, instanceId, clock,
					SkippedEvents.NONE);
		}

	}

}
