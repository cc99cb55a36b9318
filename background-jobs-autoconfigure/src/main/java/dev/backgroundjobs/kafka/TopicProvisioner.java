package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BackgroundJobsException;
import dev.backgroundjobs.BrokerUnavailableException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;

/**
 * Creates topics that do not exist yet, with the configured partitions and replication.
 * Existing topics are left exactly as they are: adding partitions would move keys between
 * partitions, which is the operator's call.
 * <p>
 * Each topic is checked by one caller at a time (a single flight): concurrent sends of a
 * new event wait for the first one's check instead of each asking the broker. All checks
 * go through the {@link SharedAdminClient}.
 */
public final class TopicProvisioner {

	private static final LogAccessor logger = new LogAccessor(TopicProvisioner.class);

	private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

	private static final long LEADER_POLL_MILLIS = 20;

	private final SharedAdminClient admin;

	private final int partitions;

	private final short replicationFactor;

	private final boolean createTopics;

	private final Set<String> ensured = ConcurrentHashMap.newKeySet();

	private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

	/**
	 * Creates a provisioner.
	 * @param admin the admin client
	 * @param partitions partitions of new topics
	 * @param replicationFactor replication of new topics, or -1 for the broker's default
	 */
	public TopicProvisioner(SharedAdminClient admin, int partitions, short replicationFactor) {
		this(admin, partitions, replicationFactor, true);
	}

	/**
	 * Creates a provisioner that may be told never to create topics, for clusters where
	 * the application lacks the permission: the topics must then exist, and no admin call
	 * is made for them.
	 * @param admin the admin client
	 * @param partitions partitions of new topics
	 * @param replicationFactor replication of new topics, or -1 for the broker's default
	 * @param createTopics whether missing topics are created
	 */
	public TopicProvisioner(SharedAdminClient admin, int partitions, short replicationFactor, boolean createTopics) {
		this.createTopics = createTopics;
		this.admin = admin;
		this.partitions = partitions;
		this.replicationFactor = replicationFactor;
	}

	/**
	 * Creates the topics that are missing, waiting up to 30 seconds for the broker.
	 * Topics this provisioner has ensured before are not checked again, so only the first
	 * use of a topic pays for the broker round trips.
	 * @param topics the topic names
	 * @throws BrokerUnavailableException if the broker does not answer in time
	 * @throws BackgroundJobsException if the broker refuses
	 */
	public void ensureTopics(Collection<String> topics) {
		ensureTopics(topics, System.nanoTime() + DEFAULT_TIMEOUT.toNanos());
	}

	/**
	 * Creates the topics that are missing, with every broker call bounded by a deadline.
	 * @param topics the topic names
	 * @param deadlineNanos the {@link System#nanoTime()} by which to give up
	 * @return whether the broker was asked (so the topics were not known to exist);
	 * always {@code false} when topics are not created
	 * @throws BrokerUnavailableException if the broker does not answer by the deadline
	 * @throws BackgroundJobsException if the broker refuses
	 */
	public boolean ensureTopics(Collection<String> topics, long deadlineNanos) {
		if (!this.createTopics || this.ensured.containsAll(topics)) {
			return false;
		}
		CompletableFuture<Void> mine = new CompletableFuture<>();
		List<String> toCheck = new ArrayList<>();
		List<CompletableFuture<Void>> othersChecks = new ArrayList<>();
		for (String topic : topics) {
			if (this.ensured.contains(topic)) {
				continue;
			}
			CompletableFuture<Void> other = this.inFlight.putIfAbsent(topic, mine);
			if (other == null) {
				toCheck.add(topic);
			}
			else {
				othersChecks.add(other);
			}
		}
		if (!toCheck.isEmpty()) {
			check(toCheck, deadlineNanos, mine);
		}
		for (CompletableFuture<Void> other : othersChecks) {
			awaitOtherCheck(other, topics, deadlineNanos);
		}
		return true;
	}

	private void check(List<String> topics, long deadlineNanos, CompletableFuture<Void> flight) {
		try {
			createMissing(topics, deadlineNanos);
			this.ensured.addAll(topics);
			flight.complete(null);
		}
		catch (RuntimeException ex) {
			flight.completeExceptionally(ex);
			throw ex;
		}
		finally {
			topics.forEach((topic) -> this.inFlight.remove(topic, flight));
		}
	}

	private static void awaitOtherCheck(CompletableFuture<Void> other, Collection<String> topics, long deadlineNanos) {
		try {
			other.get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackgroundJobsException("Interrupted while creating topics " + topics, ex);
		}
		catch (TimeoutException ex) {
			throw new BrokerUnavailableException("Broker did not answer in time to create topics " + topics, ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			throw new BackgroundJobsException("Could not create topics " + topics, ex.getCause());
		}
	}

	private Admin client(Collection<String> topics) {
		try {
			return this.admin.get();
		}
		catch (BackgroundJobsException ex) {
			throw new BackgroundJobsException("Could not create topics " + topics + ": " + ex.getMessage(), ex);
		}
	}

	private void createMissing(Collection<String> topics, long deadlineNanos) {
		Admin client = client(topics);
		try {
			Set<String> existing = client.listTopics(new ListTopicsOptions().timeoutMs(remainingMillis(deadlineNanos)))
				.names()
				.get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
			List<NewTopic> missing = topics.stream()
				.filter((topic) -> !existing.contains(topic))
				.map((topic) -> new NewTopic(topic, Optional.of(this.partitions),
						(this.replicationFactor > 0) ? Optional.of(this.replicationFactor) : Optional.empty()))
				.toList();
			if (missing.isEmpty()) {
				// Possibly created a moment ago by another instance or thread.
				awaitLeaders(client, topics, deadlineNanos);
				return;
			}
			CreateTopicsOptions options = new CreateTopicsOptions().timeoutMs(remainingMillis(deadlineNanos));
			for (Map.Entry<String, KafkaFuture<Void>> entry : client.createTopics(missing, options)
				.values()
				.entrySet()) {
				try {
					entry.getValue().get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
					logger.info(() -> "Created topic " + entry.getKey() + " with " + this.partitions + " partitions");
				}
				catch (ExecutionException ex) {
					if (!(ex.getCause() instanceof TopicExistsException)) {
						throw ex;
					}
				}
			}
			awaitLeaders(client, topics, deadlineNanos);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new BackgroundJobsException("Interrupted while creating topics " + topics, ex);
		}
		catch (TimeoutException ex) {
			throw new BrokerUnavailableException("Broker did not answer in time to create topics " + topics, ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RetriableException) {
				throw new BrokerUnavailableException(
						"Broker did not answer in time to create topics " + topics + ": " + cause.getMessage(), cause);
			}
			throw new BackgroundJobsException("Could not create topics " + topics + ": " + cause.getMessage(), cause);
		}
	}

	/**
	 * Waits until every partition of new topics has a leader: a topic is created before
	 * its partitions have leaders, and sends in between are refused with
	 * {@code NOT_LEADER_OR_FOLLOWER}, which the idempotent producer retries but which can
	 * also leave it out of sequence with the broker.
	 */
	private static void awaitLeaders(Admin client, Collection<String> topics, long deadlineNanos)
			throws InterruptedException, ExecutionException, TimeoutException {
		while (!haveLeaders(client, topics, deadlineNanos)) {
			if (remainingMillis(deadlineNanos) <= LEADER_POLL_MILLIS) {
				throw new TimeoutException("Partitions of " + topics + " have no leader in time");
			}
			Thread.sleep(LEADER_POLL_MILLIS);
		}
	}

	private static boolean haveLeaders(Admin client, Collection<String> topics, long deadlineNanos)
			throws InterruptedException, ExecutionException, TimeoutException {
		Map<String, TopicDescription> descriptions;
		try {
			descriptions = client
				.describeTopics(topics, new DescribeTopicsOptions().timeoutMs(remainingMillis(deadlineNanos)))
				.allTopicNames()
				.get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
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

	private static int remainingMillis(long deadlineNanos) {
		long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
		return (int) Math.max(0, Math.min(Integer.MAX_VALUE, remaining));
	}

}
