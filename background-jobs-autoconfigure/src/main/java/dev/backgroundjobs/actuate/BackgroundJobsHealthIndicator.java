package dev.backgroundjobs.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.kafka.BrokerConnectivity;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.OutboxStore;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.util.Assert;

/**
 * Health of background-jobs: DOWN when the database or the Kafka cluster cannot be
 * reached (each check is a fresh query and a fresh broker call, so it is UP again as soon
 * as both answer). The database is read on a thread of its own and given
 * {@link #DATABASE_TIMEOUT}: a database that black-holes connections, or a pool with no
 * free connection, would otherwise hold the health request for the pool's connection
 * timeout. While one read is still pending no other is started, so an outage does not
 * pile up blocked threads. Otherwise UP with run counts by status, the dead-letter count,
 * the dead letters the relay has yet to publish to the dead-letter topic (a backlog that
 * grows while the broker is down), the age of the oldest queued run (a growing age means
 * work is not being picked up) and the transactional outbox's backlog: events committed
 * but not yet relayed to the broker, with the age of the oldest.
 */
public final class BackgroundJobsHealthIndicator extends AbstractHealthIndicator {

	private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(3);

	/**
	 * How long a health check waits for the database's answer.
	 */
	static final Duration DATABASE_TIMEOUT = Duration.ofSeconds(3);

	private static final ThreadFactory threads = daemonThreads();

	private final AtomicReference<@Nullable CompletableFuture<Snapshot>> pendingRead = new AtomicReference<>();

	private final RunStore runStore;

	private final DeadLetterStore deadLetterStore;

	private final BrokerConnectivity broker;

	private final Clock clock;

	private @Nullable OutboxStore outboxStore;

	/**
	 * Creates the indicator.
	 * @param runStore the run store
	 * @param deadLetterStore the dead-letter store
	 * @param broker checks the Kafka cluster
	 * @param clock the clock for ages
	 */
	public BackgroundJobsHealthIndicator(RunStore runStore, DeadLetterStore deadLetterStore, BrokerConnectivity broker,
			Clock clock) {
		super("background-jobs health check failed");
		this.runStore = runStore;
		this.deadLetterStore = deadLetterStore;
		this.broker = broker;
		this.clock = clock;
	}

	/**
	 * Sets the outbox whose backlog the health shows.
	 * @param outboxStore the outbox, or {@code null} for none
	 */
	public void setOutboxStore(@Nullable OutboxStore outboxStore) {
		this.outboxStore = outboxStore;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		Snapshot snapshot;
		try {
			snapshot = readDatabase();
		}
		catch (TimeoutException ex) {
			builder.down()
				.withDetail("database", "unreachable: no answer within " + DATABASE_TIMEOUT.toSeconds()
						+ " s (connection pool or network)");
			return;
		}
		catch (ExecutionException ex) {
			builder.down().withDetail("database", "unreachable: " + ex.getCause().getMessage());
			return;
		}
		Map<RunStatus, Long> counts = snapshot.counts();
		long deadLetters = snapshot.deadLetters();
		long unpublishedDeadLetters = snapshot.unpublishedDeadLetters();
		Instant oldestQueued = snapshot.oldestQueued();
		try {
			builder.withDetail("kafkaClusterId", this.broker.clusterId(BROKER_TIMEOUT));
		}
		catch (Exception ex) {
			builder.down()
				.withDetail("kafka", "unreachable: " + ex)
				.withDetail("deadLettersToPublish", unpublishedDeadLetters);
			outboxDetail(builder, snapshot.outbox());
			return;
		}
		builder.up()
			.withDetail("runs", counts)
			.withDetail("deadLetters", deadLetters)
			.withDetail("deadLettersToPublish", unpublishedDeadLetters);
		if (oldestQueued != null) {
			builder.withDetail("oldestQueuedAge",
					Duration.between(oldestQueued, this.clock.instant())
						.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
						.toString());
		}
		outboxDetail(builder, snapshot.outbox());
	}

	private void outboxDetail(Health.Builder builder, OutboxStore.@Nullable Backlog backlog) {
		if (backlog == null) {
			return;
		}
		Map<String, Object> detail = new LinkedHashMap<>();
		detail.put("backlog", backlog.size());
		if (backlog.oldest() != null) {
			detail.put("oldestAge",
					Duration.between(backlog.oldest(), this.clock.instant())
						.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
						.toString());
		}
		builder.withDetail("outbox", detail);
	}

	private Snapshot readDatabase() throws InterruptedException, ExecutionException, TimeoutException {
		CompletableFuture<Snapshot> read = this.pendingRead.get();
		if (read == null || read.isDone()) {
			CompletableFuture<Snapshot> fresh = new CompletableFuture<>();
			if (this.pendingRead.compareAndSet(read, fresh)) {
				threads.newThread(() -> {
					try {
						OutboxStore outbox = this.outboxStore;
						fresh.complete(new Snapshot(this.runStore.countByStatus(), this.deadLetterStore.count(),
								this.deadLetterStore.countUnpublished(),
								this.runStore.oldestCreatedAt(RunStatus.QUEUED),
								(outbox != null) ? outbox.backlog() : null));
					}
					catch (Throwable ex) {
						fresh.completeExceptionally(ex);
					}
				}).start();
			}
			read = this.pendingRead.get();
		}
		Assert.state(read != null, "A database read is pending");
		return read.get(DATABASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	private record Snapshot(Map<RunStatus, Long> counts, long deadLetters, long unpublishedDeadLetters,
			@Nullable Instant oldestQueued, OutboxStore.@Nullable Backlog outbox) {

	}

	private static ThreadFactory daemonThreads() {
		CustomizableThreadFactory factory = new CustomizableThreadFactory("background-jobs-health-");
		factory.setDaemon(true);
		return factory;
	}

}
