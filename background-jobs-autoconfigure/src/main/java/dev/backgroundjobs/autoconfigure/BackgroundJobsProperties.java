package dev.backgroundjobs.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.backgroundjobs.function.BatchSettings;
import dev.backgroundjobs.schedule.CronTicker;
import dev.backgroundjobs.outbox.OutboxMode;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties for background-jobs.
 * <p>
 * The properties validate themselves when they are bound (Spring Boot applies a
 * properties object that is a {@link Validator}), so a bad value fails the start-up with
 * Boot's report naming the property, whether or not a Bean Validation provider is on the
 * classpath.
 */
@ConfigurationProperties("background-jobs")
public class BackgroundJobsProperties implements Validator {

	private static final String PREFIX = "background-jobs.";

	/**
	 * Default largest payload, step result or output, as JSON.
	 */
	public static final DataSize DEFAULT_MAX_PAYLOAD_SIZE = DataSize.ofMegabytes(1);

	/**
	 * Default time in-flight runs get to finish at shutdown.
	 */
	public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * Whether to run background-jobs: functions, consumers, the engine, the endpoint,
	 * health and metrics. When false, no bean of the starter is created, so nothing that
	 * injects an EventPublisher can start.
	 */
	private boolean enabled = true;

	/**
	 * Id of this instance, the owner of the leases it takes. Must be unique among running
	 * instances; generated when not set.
	 */
	private @Nullable String instanceId;

	/**
	 * Largest event payload, step result or run output, as JSON. Larger ones are rejected
	 * with an error naming the event or step.
	 */
	private DataSize maxPayloadSize = DEFAULT_MAX_PAYLOAD_SIZE;

	/**
	 * Time in-flight runs get to finish at shutdown before their leases are released to
	 * other instances.
	 */
	private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

	private final Retry retry = new Retry();

	/**
	 * Settings per function, by function id; they override what the function's annotation
	 * sets. Ids with other characters than letters, digits and '-' need brackets, for
	 * example background-jobs.functions.[billing/sync].retry.max-retries.
	 */
	private final Map<String, Function> functions = new LinkedHashMap<>();

	private final Worker worker = new Worker();

	private final Lease lease = new Lease();

	private final Poller poller = new Poller();

	private final Kafka kafka = new Kafka();

	private final Cron cron = new Cron();

	private final Outbox outbox = new Outbox();

	private final Cancel cancel = new Cancel();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(@Nullable String instanceId) {
		this.instanceId = instanceId;
	}

	public DataSize getMaxPayloadSize() {
		return this.maxPayloadSize;
	}

	public void setMaxPayloadSize(DataSize maxPayloadSize) {
		this.maxPayloadSize = maxPayloadSize;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Map<String, Function> getFunctions() {
		return this.functions;
	}

	public Worker getWorker() {
		return this.worker;
	}

	public Lease getLease() {
		return this.lease;
	}

	public Poller getPoller() {
		return this.poller;
	}

	public Outbox getOutbox() {
		return this.outbox;
	}

	public Kafka getKafka() {
		return this.kafka;
	}

	public Cron getCron() {
		return this.cron;
	}

	public Cancel getCancel() {
		return this.cancel;
	}

	@Override
	public boolean supports(Class<?> type) {
		return BackgroundJobsProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		BackgroundJobsProperties properties = (BackgroundJobsProperties) target;
		Checks checks = new Checks(errors);
		checks.check(
				properties.getMaxPayloadSize().toBytes() > 0
						&& properties.getMaxPayloadSize().toBytes() <= Integer.MAX_VALUE,
				"maxPayloadSize", "must be positive and at most 2GB");
		checks.notNegative(properties.getShutdownTimeout(), "shutdownTimeout");
		Retry retry = properties.getRetry();
		checks.check(retry.getMaxRetries() >= 0, "retry.maxRetries", "must not be negative");
		checks.positive(retry.getInitialInterval(), "retry.initialInterval");
		checks.check(retry.getMultiplier() >= 1, "retry.multiplier", "must be at least 1");
		checks.positive(retry.getMaxInterval(), "retry.maxInterval");
		checks.check(retry.getJitter() >= 0 && retry.getJitter() < 1, "retry.jitter", "must be at least 0 and below 1");
		checks.notNegative(retry.getParkThreshold(), "retry.parkThreshold");
		properties.getFunctions().forEach((id, function) -> function.getRetry().validate(id, errors));
		Worker worker = properties.getWorker();
		checks.check(worker.getConcurrency() > 0, "worker.concurrency", "must be positive");
		checks.check(worker.getQueueCapacity() >= 0, "worker.queueCapacity", "must not be negative");
		checks.check(worker.getCheckpointWriters() > 0, "worker.checkpointWriters", "must be positive");
		checks.check(worker.getBranchConcurrency() > 0, "worker.branchConcurrency", "must be positive");
		Lease lease = properties.getLease();
		checks.positive(lease.getDuration(), "lease.duration");
		checks.positive(lease.getHeartbeatInterval(), "lease.heartbeatInterval");
		checks.check(lease.getHeartbeatInterval().compareTo(lease.getDuration()) < 0, "lease.heartbeatInterval",
				"must be shorter than " + PREFIX + "lease.duration (" + lease.getDuration() + ")");
		Poller poller = properties.getPoller();
		checks.positive(poller.getInterval(), "poller.interval");
		checks.check(poller.getBatchSize() > 0, "poller.batchSize", "must be positive");
		Kafka kafka = properties.getKafka();
		checks.check(StringUtils.hasText(kafka.getTopicPrefix()), "kafka.topicPrefix", "must not be empty");
		checks.check(kafka.getPartitions() > 0, "kafka.partitions", "must be positive");
		checks.check(kafka.getReplicationFactor() == -1 || kafka.getReplicationFactor() > 0, "kafka.replicationFactor",
				"must be positive, or -1 for the broker's default");
		checks.check(kafka.getConcurrency() > 0, "kafka.concurrency", "must be positive");
		checks.positive(kafka.getSendTimeout(), "kafka.sendTimeout");
		checks.notNegative(kafka.getEventWaitIdleTimeout(), "kafka.eventWaitIdleTimeout");
		checks.positive(kafka.getDeadLetterRelayInterval(), "kafka.deadLetterRelayInterval");
		Outbox outbox = properties.getOutbox();
		checks.check(outbox.getMode() != null, "outbox.mode", "must be set");
		checks.positive(outbox.getRelayInterval(), "outbox.relayInterval");
		checks.positive(outbox.getTakeoverAfter(), "outbox.takeoverAfter");
		checks.check(outbox.getBatchSize() > 0, "outbox.batchSize", "must be positive");
		properties.getFunctions().forEach((id, function) -> {
			function.getTimeouts().validate(id, errors);
			String prefix = PREFIX + "functions." + id + ".";
			Duration window = function.getIdempotency().getWindow();
			FunctionRetry.reject(errors, window != null && !FunctionRetry.isPositive(window),
					prefix + "idempotency.window must be positive");
			Integer limit = function.getRateLimit().getLimit();
			FunctionRetry.reject(errors, limit != null && limit <= 0, prefix + "rate-limit.limit must be positive");
			Duration period = function.getRateLimit().getPeriod();
			FunctionRetry.reject(errors, period != null && !FunctionRetry.isPositive(period),
					prefix + "rate-limit.period must be positive");
			Integer maxSize = function.getBatch().getMaxSize();
			FunctionRetry.reject(errors, maxSize != null && (maxSize < 1 || maxSize > BatchSettings.MAX_SIZE),
					prefix + "batch.max-size must be from 1 to " + BatchSettings.MAX_SIZE);
			Duration batchTimeout = function.getBatch().getTimeout();
			FunctionRetry.reject(errors, batchTimeout != null && !FunctionRetry.isPositive(batchTimeout),
					prefix + "batch.timeout must be positive");
			Integer throttleLimit = function.getThrottle().getLimit();
			FunctionRetry.reject(errors, throttleLimit != null && throttleLimit <= 0,
					prefix + "throttle.limit must be positive");
			Duration throttlePeriod = function.getThrottle().getPeriod();
			FunctionRetry.reject(errors, throttlePeriod != null && !FunctionRetry.isPositive(throttlePeriod),
					prefix + "throttle.period must be positive");
			Integer burst = function.getThrottle().getBurst();
			FunctionRetry.reject(errors, burst != null && burst < 0, prefix + "throttle.burst must not be negative");
			Integer concurrency = function.getConcurrency().getLimit();
			FunctionRetry.reject(errors, concurrency != null && concurrency <= 0,
					prefix + "concurrency.limit must be positive");
			Duration debouncePeriod = function.getDebounce().getPeriod();
			FunctionRetry.reject(errors, debouncePeriod != null && !FunctionRetry.isPositive(debouncePeriod),
					prefix + "debounce.period must be positive");
			Duration debounceTimeout = function.getDebounce().getTimeout();
			FunctionRetry.reject(errors, debounceTimeout != null && !FunctionRetry.isPositive(debounceTimeout),
					prefix + "debounce.timeout must be positive");
		});
	}

	/**
	 * Records a rejected value with a message naming its property, as Boot's report shows
	 * the message beside the property.
	 */
	private record Checks(Errors errors) {

		void check(boolean valid, String field, String reason) {
			if (!valid) {
				this.errors.rejectValue(field, "invalid", PREFIX + propertyName(field) + " " + reason);
			}
		}

		void positive(@Nullable Duration duration, String field) {
			check(duration != null && !duration.isNegative() && !duration.isZero(), field, "must be positive");
		}

		void notNegative(@Nullable Duration duration, String field) {
			check(duration != null && !duration.isNegative(), field, "must not be negative");
		}

		private static String propertyName(String field) {
			return field.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * Retries of failing steps.
	 */
	public static class Retry {

		/**
		 * Default retries per step after the first attempt.
		 */
		public static final int DEFAULT_MAX_RETRIES = 4;

		/**
		 * Retries of each step after its first attempt, for functions that do not set
		 * their own.
		 */
		private int maxRetries = DEFAULT_MAX_RETRIES;

		/**
		 * Wait after a step's first failure.
		 */
		private Duration initialInterval = Duration.ofSeconds(1);

		/**
		 * Factor applied to the wait after each further failure.
		 */
		private double multiplier = 2.0;

		/**
		 * Longest wait between two attempts. A value shorter than the initial interval is
		 * raised to it.
		 */
		private Duration maxInterval = Duration.ofMinutes(10);

		/**
		 * Randomisation of each wait, from 0 (none) to below 1 (up to +/-100%), so that
		 * many failing runs do not retry in lockstep.
		 */
		private double jitter = 0.5;

		/**
		 * Waits longer than this park the run in the database and free its worker;
		 * shorter ones wait on the worker.
		 */
		private Duration parkThreshold = Duration.ofSeconds(5);

		public int getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(int maxRetries) {
			this.maxRetries = maxRetries;
		}

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		public Duration getParkThreshold() {
			return this.parkThreshold;
		}

		public void setParkThreshold(Duration parkThreshold) {
			this.parkThreshold = parkThreshold;
		}

	}

	/**
	 * Local worker pool.
	 */
	public static class Worker {

		/**
		 * Runs executed at once by this instance. Workers are virtual threads when
		 * spring.threads.virtual.enabled is true on Java 21 or later (platform threads
		 * that end when idle otherwise), and hold no database connection while a handler
		 * runs, so a high value is cheap for I/O-bound handlers.
		 */
		private int concurrency = 256;

		/**
		 * Runs waiting for a worker at which the function consumers pause until a worker
		 * frees up.
		 */
		private int queueCapacity = 512;

		/**
		 * Threads that write checkpoints (step results and run completions) in group
		 * commits, each holding one database connection while it writes. Every checkpoint
		 * that waits while a transaction commits goes into the next one.
		 */
		private int checkpointWriters = 2;

		/**
		 * Branches of parallel steps (Step.parallel) run at once by this instance, across
		 * all its runs; further branches wait for a thread. Branch threads are separate
		 * from the workers: a worker waits while its run's branches run. Virtual threads
		 * when spring.threads.virtual.enabled is true on Java 21 or later.
		 */
		private int branchConcurrency = 64;

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public int getCheckpointWriters() {
			return this.checkpointWriters;
		}

		public void setCheckpointWriters(int checkpointWriters) {
			this.checkpointWriters = checkpointWriters;
		}

		public int getBranchConcurrency() {
			return this.branchConcurrency;
		}

		public void setBranchConcurrency(int branchConcurrency) {
			this.branchConcurrency = branchConcurrency;
		}

	}

	/**
	 * Cancelling runs that are executing.
	 */
	public static class Cancel {

		/**
		 * Whether cancelling a running run interrupts the thread of the step in flight.
		 * By default the step runs to its end and its result is dropped; no later step
		 * starts either way. Interrupting stops a long step sooner, but only a step whose
		 * code answers interrupts (blocking waits, sleeps, interruptible I/O) stops.
		 */
		private boolean interruptRunningStep;

		public boolean isInterruptRunningStep() {
			return this.interruptRunningStep;
		}

		public void setInterruptRunningStep(boolean interruptRunningStep) {
			this.interruptRunningStep = interruptRunningStep;
		}

	}

	/**
	 * Leases on runs.
	 */
	public static class Lease {

		/**
		 * How long a run stays owned by an instance without a heartbeat. A run of a dead
		 * instance is taken over by another after this, so it bounds the time to recover
		 * from a crash.
		 */
		private Duration duration = Duration.ofSeconds(8);

		/**
		 * How often an instance extends the leases of the runs it holds. Must be well
		 * below the lease duration.
		 */
		private Duration heartbeatInterval = Duration.ofSeconds(2);

		public Duration getDuration() {
			return this.duration;
		}

		public void setDuration(Duration duration) {
			this.duration = duration;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

	}

	/**
	 * Due-work poller: parked runs whose time has come and runs whose lease expired.
	 */
	public static class Poller {

		/**
		 * How often due work is claimed and cron ticks are checked; bounds how late a
		 * sleeping run wakes up and a cron run starts.
		 */
		private Duration interval = Duration.ofSeconds(1);

		/**
		 * Most runs claimed in one query.
		 */
		private int batchSize = 100;

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

	}

	/**
	 * Transactional outbox: events sent inside a transaction commit or roll back with it.
	 */
	public static class Outbox {

		/**
		 * When send writes the event to the outbox table instead of publishing it at
		 * once: 'auto' inside a transaction on the starter's DataSource (the event then
		 * commits or rolls back with the caller's writes), 'direct' never, 'outbox'
		 * always (in a transaction of its own outside one).
		 */
		private OutboxMode mode = OutboxMode.AUTO;

		/**
		 * How often every instance relays outbox rows that were not relayed right after
		 * their commit (their instance died, or the broker was down).
		 */
		private Duration relayInterval = Duration.ofSeconds(1);

		/**
		 * How old an outbox row must be before any instance relays it; younger ones are
		 * being relayed by the instance that wrote them. After a relay failure an
		 * instance relays its backlog whatever its age.
		 */
		private Duration takeoverAfter = Duration.ofSeconds(5);

		/**
		 * Most outbox rows relayed in one transaction.
		 */
		private int batchSize = 500;

		public OutboxMode getMode() {
			return this.mode;
		}

		public void setMode(OutboxMode mode) {
			this.mode = mode;
		}

		public Duration getRelayInterval() {
			return this.relayInterval;
		}

		public void setRelayInterval(Duration relayInterval) {
			this.relayInterval = relayInterval;
		}

		public Duration getTakeoverAfter() {
			return this.takeoverAfter;
		}

		public void setTakeoverAfter(Duration takeoverAfter) {
			this.takeoverAfter = takeoverAfter;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

	}

	/**
	 * Cron-triggered functions.
	 */
	public static class Cron {

		/**
		 * What to do at start-up with cron ticks missed while no instance of the
		 * application ran: start one run for the latest missed tick, or skip them.
		 */
		private CronTicker.MissedTicks missedTicks = CronTicker.MissedTicks.RUN_ONCE;

		public CronTicker.MissedTicks getMissedTicks() {
			return this.missedTicks;
		}

		public void setMissedTicks(CronTicker.MissedTicks missedTicks) {
			this.missedTicks = missedTicks;
		}

	}

	/**
	 * Kafka topics, consumer groups and publishing.
	 */
	public static class Kafka {

		/**
		 * Default of {@link #getDeadLetterRelayInterval()}.
		 */
		public static final Duration DEFAULT_DEAD_LETTER_RELAY_INTERVAL = Duration.ofSeconds(5);

		/**
		 * Prefix of event topics: an event named "api/document.uploaded" goes to
		 * "<prefix>.api.document.uploaded". The dead-letter topic is
		 * "<prefix>.dead-letters".
		 */
		private String topicPrefix = "background-jobs";

		/**
		 * Prefix of the consumer group of each function, "<prefix>.<function id>".
		 * Defaults to spring.application.name, or "background-jobs" when that is not set.
		 */
		private @Nullable String groupPrefix;

		/**
		 * Whether to create missing topics. Set it to false where the application may not
		 * create topics (no CreateTopics permission): every event topic and the
		 * dead-letter topic must then exist, and a send to a missing one fails after
		 * send-timeout.
		 */
		private boolean createTopics = true;

		/**
		 * Partitions of topics created at start-up. Parallelism of a function across
		 * instances is bounded by its topic's partitions.
		 */
		private int partitions = 6;

		/**
		 * Replication factor of topics created at start-up, or -1 for the broker's
		 * default.
		 */
		private short replicationFactor = -1;

		/**
		 * Consumer threads per function on this instance.
		 */
		private int concurrency = 1;

		/**
		 * How long send waits for the broker's acknowledgement before failing.
		 */
		private Duration sendTimeout = Duration.ofSeconds(10);

		/**
		 * How long the consumer that resolves waits for events keeps reading after the
		 * last open wait was resolved. It reads every event of the application, so it
		 * runs only while runs wait for events (started within a second of a new wait).
		 */
		private Duration eventWaitIdleTimeout = Duration.ofMinutes(1);

		/**
		 * How often each instance looks for dead letters not yet published to the
		 * dead-letter topic and publishes them. A new dead letter is published at once;
		 * this interval matters after a broker outage or a crash.
		 */
		private Duration deadLetterRelayInterval = DEFAULT_DEAD_LETTER_RELAY_INTERVAL;

		public String getTopicPrefix() {
			return this.topicPrefix;
		}

		public void setTopicPrefix(String topicPrefix) {
			this.topicPrefix = topicPrefix;
		}

		public @Nullable String getGroupPrefix() {
			return this.groupPrefix;
		}

		public void setGroupPrefix(@Nullable String groupPrefix) {
			this.groupPrefix = groupPrefix;
		}

		public boolean isCreateTopics() {
			return this.createTopics;
		}

		public void setCreateTopics(boolean createTopics) {
			this.createTopics = createTopics;
		}

		public int getPartitions() {
			return this.partitions;
		}

		public void setPartitions(int partitions) {
			this.partitions = partitions;
		}

		public short getReplicationFactor() {
			return this.replicationFactor;
		}

		public void setReplicationFactor(short replicationFactor) {
			this.replicationFactor = replicationFactor;
		}

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

		public Duration getEventWaitIdleTimeout() {
			return this.eventWaitIdleTimeout;
		}

		public void setEventWaitIdleTimeout(Duration eventWaitIdleTimeout) {
			this.eventWaitIdleTimeout = eventWaitIdleTimeout;
		}

		public Duration getSendTimeout() {
			return this.sendTimeout;
		}

		public void setSendTimeout(Duration sendTimeout) {
			this.sendTimeout = sendTimeout;
		}

		public Duration getDeadLetterRelayInterval() {
			return this.deadLetterRelayInterval;
		}

		public void setDeadLetterRelayInterval(Duration deadLetterRelayInterval) {
			this.deadLetterRelayInterval = deadLetterRelayInterval;
		}

	}

	/**
	 * Settings of one function.
	 */
	public static class Function {

		private final FunctionRetry retry = new FunctionRetry();

		private final Timeouts timeouts = new Timeouts();

		private final Idempotency idempotency = new Idempotency();

		private final RateLimit rateLimit = new RateLimit();

		private final Batch batch = new Batch();

		private final Throttle throttle = new Throttle();

		private final Concurrency concurrency = new Concurrency();

		private final Debounce debounce = new Debounce();

		private final Singleton singleton = new Singleton();

		public FunctionRetry getRetry() {
			return this.retry;
		}

		public Idempotency getIdempotency() {
			return this.idempotency;
		}

		public RateLimit getRateLimit() {
			return this.rateLimit;
		}

		public Throttle getThrottle() {
			return this.throttle;
		}

		public Debounce getDebounce() {
			return this.debounce;
		}

		/**
		 * The function's debounce, replacing values of its
		 * {@code @EventHandler(debounce = ...)}.
		 */
		public static class Debounce {

			/**
			 * How long no new event for a key must arrive before the key's run starts,
			 * with the last event.
			 */
			private @Nullable Duration period;

			/**
			 * Longest wait from the first event of a burst before its run starts.
			 */
			private @Nullable Duration timeout;

			public @Nullable Duration getPeriod() {
				return this.period;
			}

			public void setPeriod(@Nullable Duration period) {
				this.period = period;
			}

			public @Nullable Duration getTimeout() {
				return this.timeout;
			}

			public void setTimeout(@Nullable Duration timeout) {
				this.timeout = timeout;
			}

		}

		public Batch getBatch() {
			return this.batch;
		}

		/**
		 * The function's batching, replacing values of its
		 * {@code @EventHandler(batch = ...)}.
		 */
		public static class Batch {

			/**
			 * Most events per batch; a batch runs as soon as it holds this many.
			 */
			private @Nullable Integer maxSize;

			/**
			 * Longest wait of a batch from its first event before it runs with the events
			 * it holds.
			 */
			private @Nullable Duration timeout;

			public @Nullable Integer getMaxSize() {
				return this.maxSize;
			}

			public void setMaxSize(@Nullable Integer maxSize) {
				this.maxSize = maxSize;
			}

			public @Nullable Duration getTimeout() {
				return this.timeout;
			}

			public void setTimeout(@Nullable Duration timeout) {
				this.timeout = timeout;
			}

		}

		public Concurrency getConcurrency() {
			return this.concurrency;
		}

		/**
		 * The function's concurrency limit, replacing the limit of its
		 * {@code @EventHandler(concurrency = ...)}.
		 */
		public static class Concurrency {

			/**
			 * Most runs of the function queued or running at once, across all instances,
			 * per key; runs above it wait as DELAYED.
			 */
			private @Nullable Integer limit;

			public @Nullable Integer getLimit() {
				return this.limit;
			}

			public void setLimit(@Nullable Integer limit) {
				this.limit = limit;
			}

		}

		public Singleton getSingleton() {
			return this.singleton;
		}

		/**
		 * The function's singleton, replacing the mode of its
		 * {@code @EventHandler(singleton = ...)}.
		 */
		public static class Singleton {

			/**
			 * What an event does while a run of its key is unfinished: 'skip' skips the
			 * event, 'cancel' cancels that run and starts the event's run, 'none' lifts
			 * the singleton. Set on a function that declares none, it limits the function
			 * to one unfinished run at a time.
			 */
			private dev.backgroundjobs.Singleton.@Nullable Mode mode;

			public dev.backgroundjobs.Singleton.@Nullable Mode getMode() {
				return this.mode;
			}

			public void setMode(dev.backgroundjobs.Singleton.@Nullable Mode mode) {
				this.mode = mode;
			}

		}

		/**
		 * The function's idempotency key, replacing values of its
		 * {@code @EventHandler(idempotency = ...)}.
		 */
		public static class Idempotency {

			/**
			 * How long a key, once it started a run, skips further events with it.
			 */
			private @Nullable Duration window;

			public @Nullable Duration getWindow() {
				return this.window;
			}

			public void setWindow(@Nullable Duration window) {
				this.window = window;
			}

		}

		/**
		 * The function's rate limit, replacing values of its
		 * {@code @EventHandler(rateLimit = ...)}.
		 */
		public static class RateLimit {

			/**
			 * Most runs per period and key; events above it are skipped.
			 */
			private @Nullable Integer limit;

			/**
			 * Length of the fixed window the limit counts runs in.
			 */
			private @Nullable Duration period;

			public @Nullable Integer getLimit() {
				return this.limit;
			}

			public void setLimit(@Nullable Integer limit) {
				this.limit = limit;
			}

			public @Nullable Duration getPeriod() {
				return this.period;
			}

			public void setPeriod(@Nullable Duration period) {
				this.period = period;
			}

		}

		/**
		 * The function's throttle, replacing values of its
		 * {@code @EventHandler(throttle = ...)}.
		 */
		public static class Throttle {

			/**
			 * Most run starts per period and key; runs above it are delayed.
			 */
			private @Nullable Integer limit;

			/**
			 * Length of the period the limit counts starts in; starts are spread evenly
			 * over it.
			 */
			private @Nullable Duration period;

			/**
			 * Starts allowed at once, beyond the even spacing, after a quiet spell.
			 */
			private @Nullable Integer burst;

			public @Nullable Integer getLimit() {
				return this.limit;
			}

			public void setLimit(@Nullable Integer limit) {
				this.limit = limit;
			}

			public @Nullable Duration getPeriod() {
				return this.period;
			}

			public void setPeriod(@Nullable Duration period) {
				this.period = period;
			}

			public @Nullable Integer getBurst() {
				return this.burst;
			}

			public void setBurst(@Nullable Integer burst) {
				this.burst = burst;
			}

		}

		public Timeouts getTimeouts() {
			return this.timeouts;
		}

		/**
		 * Time limits of the function's runs, each replacing the one its
		 * {@code @EventHandler(timeouts = ...)} sets.
		 */
		public static class Timeouts {

			/**
			 * Longest wait of a run from its creation to its first start; a run waiting
			 * longer is cancelled.
			 */
			private @Nullable Duration start;

			/**
			 * Longest time of a run from its first start to its end, sleeps and waits
			 * included; a run taking longer is cancelled.
			 */
			private @Nullable Duration finish;

			/**
			 * Longest time of one step attempt; a step taking longer is interrupted and
			 * the attempt fails with a StepTimeoutException.
			 */
			private @Nullable Duration step;

			public @Nullable Duration getStart() {
				return this.start;
			}

			public void setStart(@Nullable Duration start) {
				this.start = start;
			}

			public @Nullable Duration getFinish() {
				return this.finish;
			}

			public void setFinish(@Nullable Duration finish) {
				this.finish = finish;
			}

			public @Nullable Duration getStep() {
				return this.step;
			}

			public void setStep(@Nullable Duration step) {
				this.step = step;
			}

			void validate(String functionId, Errors errors) {
				String prefix = PREFIX + "functions." + functionId + ".timeouts.";
				FunctionRetry.reject(errors, this.start != null && !FunctionRetry.isPositive(this.start),
						prefix + "start must be positive");
				FunctionRetry.reject(errors, this.finish != null && !FunctionRetry.isPositive(this.finish),
						prefix + "finish must be positive");
				FunctionRetry.reject(errors, this.step != null && !FunctionRetry.isPositive(this.step),
						prefix + "step must be positive");
			}

		}

	}

	/**
	 * Retries of one function's failing steps; what is not set comes from the function's
	 * annotation, then from background-jobs.retry.*.
	 */
	public static class FunctionRetry {

		/**
		 * Retries of each step after its first attempt.
		 */
		private @Nullable Integer maxRetries;

		/**
		 * Wait after a step's first failure.
		 */
		private @Nullable Duration initialInterval;

		/**
		 * Factor applied to the wait after each further failure, at least 1.
		 */
		private @Nullable Double multiplier;

		/**
		 * Longest wait between two attempts.
		 */
		private @Nullable Duration maxInterval;

		/**
		 * Randomisation of each wait, from 0 (none) to below 1.
		 */
		private @Nullable Double jitter;

		public @Nullable Integer getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(@Nullable Integer maxRetries) {
			this.maxRetries = maxRetries;
		}

		public @Nullable Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(@Nullable Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public @Nullable Double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(@Nullable Double multiplier) {
			this.multiplier = multiplier;
		}

		public @Nullable Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(@Nullable Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

		public @Nullable Double getJitter() {
			return this.jitter;
		}

		public void setJitter(@Nullable Double jitter) {
			this.jitter = jitter;
		}

		/**
		 * Returns whether any setting is given.
		 * @return whether this overrides anything
		 */
		boolean isSet() {
			return this.maxRetries != null || this.initialInterval != null || this.multiplier != null
					|| this.maxInterval != null || this.jitter != null;
		}

		void validate(String functionId, Errors errors) {
			String prefix = PREFIX + "functions." + functionId + ".retry.";
			reject(errors, this.maxRetries != null && this.maxRetries < 0, prefix + "max-retries must not be negative");
			reject(errors, this.initialInterval != null && !isPositive(this.initialInterval),
					prefix + "initial-interval must be positive");
			reject(errors, this.multiplier != null && !(this.multiplier >= 1),
					prefix + "multiplier must be at least 1");
			reject(errors, this.maxInterval != null && !isPositive(this.maxInterval),
					prefix + "max-interval must be positive");
			reject(errors, this.jitter != null && !(this.jitter >= 0 && this.jitter < 1),
					prefix + "jitter must be at least 0 and below 1");
			reject(errors,
					this.initialInterval != null && this.maxInterval != null
							&& this.maxInterval.compareTo(this.initialInterval) < 0,
					prefix + "max-interval must not be shorter than " + prefix + "initial-interval");
		}

		private static boolean isPositive(Duration duration) {
			return !duration.isNegative() && !duration.isZero();
		}

		private static void reject(Errors errors, boolean invalid, String message) {
			if (invalid) {
				errors.reject("invalid", message);
			}
		}

	}

}
