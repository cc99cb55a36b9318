package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventLogPosition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * {@link EventLog} of the event topics: the latest offsets of every partition of an
 * event's topic, read with one admin client shared by all workers.
 */
public final class KafkaEventLog implements EventLog {

	private static final Duration PARTITION_COUNT_TTL = Duration.ofMinutes(1);

	private final SharedAdminClient admin;

	private final TopicNames topics;

	private final Duration timeout;

	private final Map<String, PartitionCount> partitionCounts = new ConcurrentHashMap<>();

	/**
	 * Creates the log.
	 * @param admin the admin client
	 * @param topics names the event topics
	 * @param timeout how long to wait for the broker's answer
	 */
	public KafkaEventLog(SharedAdminClient admin, TopicNames topics, Duration timeout) {
		this.admin = admin;
		this.topics = topics;
		this.timeout = timeout;
	}

	@Override
	public EventLogPosition end(String eventName) {
		String topic = this.topics.forEvent(eventName);
		String failure = "Could not read where the log of event '" + eventName + "' (topic '" + topic + "') ends";
		try {
			Map<Integer, Long> end = new HashMap<>();
			offsets(topic, OffsetSpec.latest()).forEach((partition, offset) -> end.put(partition.partition(), offset));
			return new EventLogPosition(end);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				// No event of that name was ever published: every event comes later.
				return EventLogPosition.START;
			}
			throw unavailable(failure, ex.getCause());
		}
		catch (TimeoutException ex) {
			throw unavailable(failure, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unavailable(failure, ex);
		}
	}

	/**
	 * Compares, in each partition, the offset of the first event stored at or after the
	 * time (or the end of the log when there is none) with the wait consumer's committed
	 * offset, unless no event between the start and that offset exists. Events carry
	 * their publisher's timestamp, so an event from a publisher whose clock runs ahead
	 * may count as later than it was: such a wait can still time out with it unread, as
	 * before this check.
	 */
	@Override
	public boolean readThrough(String eventName, EventLogPosition from, Instant time) {
		String topic = this.topics.forEvent(eventName);
		String failure = "Could not tell whether every event '" + eventName + "' before " + time + " has been read";
		try {
			Map<TopicPartition, Long> needed = offsets(topic, OffsetSpec.forTimestamp(time.toEpochMilli()));
			if (needed.containsValue(-1L)) {
				// No event at or after the time in some partitions: all of theirs came
				// before.
				Map<TopicPartition, Long> end = offsets(topic, OffsetSpec.latest());
				needed.replaceAll((partition, offset) -> (offset >= 0) ? offset : end.get(partition));
			}
			Map<TopicPartition, OffsetAndMetadata> committed = this.admin.get()
				.listConsumerGroupOffsets(this.topics.groupFor(EventWaitConsumer.GROUP_SUFFIX),
						new ListConsumerGroupOffsetsOptions().timeoutMs(millis()))
				.partitionsToOffsetAndMetadata()
				.get(millis(), TimeUnit.MILLISECONDS);
			return needed.entrySet().stream().allMatch((entry) -> {
				long start = from.offsets().getOrDefault(entry.getKey().partition(), 0L);
				OffsetAndMetadata read = committed.get(entry.getKey());
				long readOffset = Math.max(start, (read != null) ? read.offset() : 0);
				return readOffset >= entry.getValue();
			});
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				return true;
			}
			throw unavailable(failure, ex.getCause());
		}
		catch (TimeoutException ex) {
			throw unavailable(failure, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unavailable(failure, ex);
		}
	}

	private Map<TopicPartition, Long> offsets(String topic, OffsetSpec spec)
			throws InterruptedException, ExecutionException, TimeoutException {
		Admin client = this.admin.get();
		Map<TopicPartition, OffsetSpec> request = new HashMap<>();
		for (int partition = 0; partition < partitions(client, topic); partition++) {
			request.put(new TopicPartition(topic, partition), spec);
		}
		Map<TopicPartition, ListOffsetsResultInfo> offsets = client
			.listOffsets(request, new ListOffsetsOptions().timeoutMs(millis()))
			.all()
			.get(millis(), TimeUnit.MILLISECONDS);
		Map<TopicPartition, Long> result = new HashMap<>();
		offsets.forEach((partition, info) -> result.put(partition, info.offset()));
		return result;
	}

	/**
	 * Returns how many partitions a topic has, asking the broker at most once a minute
	 * per topic: after an outage every waiting run asks at once, and a round trip saved
	 * per call is what keeps them within the timeout. A partition added meanwhile is
	 * missed for up to a minute, so its events count as later than a wait's start.
	 */
	private int partitions(Admin client, String topic)
			throws InterruptedException, ExecutionException, TimeoutException {
		long now = System.nanoTime();
		PartitionCount cached = this.partitionCounts.get(topic);
		if (cached != null && now - cached.readAtNanos() < PARTITION_COUNT_TTL.toNanos()) {
			return cached.count();
		}
		TopicDescription description = client
			.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(millis()))
			.allTopicNames()
			.get(millis(), TimeUnit.MILLISECONDS)
			.get(topic);
		int count = description.partitions().size();
		this.partitionCounts.put(topic, new PartitionCount(count, now));
		return count;
	}

	private record PartitionCount(int count, long readAtNanos) {

	}

	private int millis() {
		return (int) this.timeout.toMillis();
	}

	private BrokerUnavailableException unavailable(String what, Throwable cause) {
		return new BrokerUnavailableException(what + " within " + this.timeout.toMillis() + " ms: " + cause, cause);
	}

}
