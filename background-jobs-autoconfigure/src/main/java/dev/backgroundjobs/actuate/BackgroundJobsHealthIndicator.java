package dev.backgroundjobs.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.kafka.BrokerConnectivity;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunStore;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of background-jobs: DOWN when the database or the Kafka cluster cannot be
 * reached (each check is a fresh query and a fresh broker call, so it is UP again as soon
 * as both answer); otherwise UP with run counts by status, the dead-letter count, the
 * dead letters the relay has yet to publish to the dead-letter topic (a backlog that
 * grows while the broker is down) and the age of the oldest queued run (a growing age
 * means work is not being picked up).
 */
public final class BackgroundJobsHealthIndicator extends AbstractHealthIndicator {

	private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(3);

	private final RunStore runStore;

	private final DeadLetterStore deadLetterStore;

	private final BrokerConnectivity broker;

	private final Clock clock;

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

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		Map<RunStatus, Long> counts;
		long deadLetters;
		long unpublishedDeadLetters;
		Instant oldestQueued;
		try {
			counts = this.runStore.countByStatus();
			deadLetters = this.deadLetterStore.count();
			unpublishedDeadLetters = this.deadLetterStore.countUnpublished();
			oldestQueued = this.runStore.oldestCreatedAt(RunStatus.QUEUED);
		}
		catch (RuntimeException ex) {
			builder.down().withDetail("database", "unreachable: " + ex.getMessage());
			return;
		}
		try {
			builder.withDetail("kafkaClusterId", this.broker.clusterId(BROKER_TIMEOUT));
		}
		catch (Exception ex) {
			builder.down()
				.withDetail("kafka", "unreachable: " + ex)
				.withDetail("deadLettersToPublish", unpublishedDeadLetters);
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
	}

}
