package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventLogPosition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * {@link EventLog} of the event topics: the latest offsets of every partition of an
 * event's topic, read with one admin client shared by all workers.
 */
public final class KafkaEventLog implements EventLog {

	private final SharedAdminClient admin;

	private final TopicNames topics;

	private final Duration timeout;

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
		Admin client = this.admin.get();
		int millis = (int) this.timeout.toMillis();
		try {
			TopicDescription description = client
				.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(millis))
				.allTopicNames()
				.get(millis, TimeUnit.MILLISECONDS)
				.get(topic);
			Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
			description.partitions()
				.forEach((partition) -> latest.put(new TopicPartition(topic, partition.partition()),
						OffsetSpec.latest()));
			Map<TopicPartition, ListOffsetsResultInfo> offsets = client
				.listOffsets(latest, new ListOffsetsOptions().timeoutMs(millis))
				.all()
				.get(millis, TimeUnit.MILLISECONDS);
			Map<Integer, Long> end = new HashMap<>();
			offsets.forEach((partition, info) -> end.put(partition.partition(), info.offset()));
			return new EventLogPosition(end);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				// No event of that name was ever published: every event comes later.
				return EventLogPosition.START;
			}
			throw unavailable(eventName, topic, ex.getCause());
		}
		catch (TimeoutException ex) {
			throw unavailable(eventName, topic, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unavailable(eventName, topic, ex);
		}
	}

	private BrokerUnavailableException unavailable(String eventName, String topic, Throwable cause) {
		return new BrokerUnavailableException("Could not read where the log of event '" + eventName + "' (topic '"
				+ topic + "') ends within " + this.timeout.toMillis() + " ms: " + cause, cause);
	}

}
