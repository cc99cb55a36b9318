package dev.backgroundjobs.kafka;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BackgroundJobsException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Creates topics that do not exist yet, with the configured partitions and replication.
 * Existing topics are left exactly as they are: adding partitions would move keys between
 * partitions, which is the operator's call.
 */
public final class TopicProvisioner {

	private static final LogAccessor logger = new LogAccessor(TopicProvisioner.class);

	private static final long TIMEOUT_SECONDS = 30;

	private static final long LEADER_POLL_MILLIS = 20;

	private final KafkaAdmin admin;

	private final int partitions;

	private final short replicationFactor;

	private final Set<String> ensured = ConcurrentHashMap.newKeySet();

	/**
	 * Creates a provisioner.
	 * @param admin provides the admin client configuration
	 * @param partitions partitions of new topics
	 * @param replicationFactor replication of new topics, or -1 for the broker's default
	 */
	public TopicProvisioner(KafkaAdmin admin, int partitions, short replicationFactor) {
		this.admin = admin;
		this.partitions = partitions;
		this.replicationFactor = replicationFactor;
	}

	/**
	 * Creates the topics that are missing. Topics this provisioner has ensured before are
	 * not checked again, so only the first publication of an event name pays for the
	 * broker round trips.
	 * @param topics the topic names
	 * @throws BackgroundJobsException if the broker cannot be reached or refuses
	 */
	public void ensureTopics(Collection<String> topics) {
		if (this.ensured.containsAll(topics)) {
			return;
		}
		createMissing(topics);
		this.ensured.addAll(topics);
	}

	/**
	 * Waits until every partition of new topics has a leader: a topic is created before
	 * its partitions have leaders, and sends in between are refused with
	 * {@code NOT_LEADER_OR_FOLLOWER}, which the idempotent producer retries but which can
	 * also leave it out of sequence with the broker.
	 */
	private void awaitLeaders(Admin client, Collection<String> topics)
			throws InterruptedException, ExecutionException, TimeoutException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
		while (true) {
			if (haveLeaders(client, topics)) {
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new TimeoutException(
						"Partitions of " + topics + " have no leader after " + TIMEOUT_SECONDS + " s");
			}
			Thread.sleep(LEADER_POLL_MILLIS);
		}
	}

	private static boolean haveLeaders(Admin client, Collection<String> topics)
			throws InterruptedException, ExecutionException, TimeoutException {
		Map<String, TopicDescription> descriptions;
		try {
			descriptions = client.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				// Created, but not in the broker's metadata yet.
				return false;
			}
			throw ex;
		}
		return descriptions.values()
			.stream()
			.flatMap((description) -> description.partitions().stream())
			.allMatch((partition) -> partition.leader() != null && !partition.leader().isEmpty());
	}

	private void createMissing(Collection<String> topics) {
		try (Admin client = Admin.create(this.admin.getConfigurationProperties())) {
			Set<String> existing = client.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
			List<NewTopic> missing = topics.stream()
				.filter((topic) -> !existing.contains(topic))
				.map((topic) -> new NewTopic(topic, Optional.of(this.partitions),
						(this.replicationFactor > 0) ? Optional.of(this.replicationFactor) : Optional.empty()))
				.toList();
			if (missing.isEmpty()) {
				return;
			}
			for (Map.Entry<String, KafkaFuture<Void>> entry : client.createTopics(missing).values().entrySet()) {
				try {
					entry.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
					logger.info(() -> "Created topic " + entry.getKey() + " with " + this.partitions + " partitions");
				}
				catch (ExecutionException ex) {
					if (!(ex.getCause() instanceof TopicExistsException)) {
						throw ex;
					}
				}
			}
			awaitLeaders(client, missing.stream().map(NewTopic::name).toList());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackgroundJobsException("Interrupted while creating topics " + topics, ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new BackgroundJobsException("Could not create topics " + topics + ": " + ex.getMessage(), ex);
		}
	}

}
