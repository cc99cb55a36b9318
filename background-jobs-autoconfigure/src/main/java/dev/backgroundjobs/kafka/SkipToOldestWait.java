package dev.backgroundjobs.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.EventWaitStore;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * Moves the event-wait consumer past events that cannot resolve any open wait when it is
 * assigned partitions: a wait is resolved only by an event at or past the position where
 * it began, so a partition skips ahead to the earliest start of the open waits for its
 * event name, or to its end when no run waits for that name. It only ever moves forward;
 * when the lookup fails, the consumer reads from its committed offsets as usual.
 * <p>
 * The end is read before the waits: a wait that is not visible yet begins later, at an
 * end read after its row commits, so it cannot begin before the position skipped to.
 */
final class SkipToOldestWait implements ConsumerAwareRebalanceListener {

	private static final LogAccessor logger = new LogAccessor(SkipToOldestWait.class);

	private final EventWaitStore waits;

	private final TopicNames topics;

	SkipToOldestWait(EventWaitStore waits, TopicNames topics) {
		this.waits = waits;
		this.topics = topics;
	}

	@Override
	public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
		if (partitions.isEmpty()) {
			return;
		}
		try {
			Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
			Map<String, EventLogPosition> startsByTopic = new HashMap<>();
			this.waits.earliestOpenWaitStarts()
				.forEach((eventName, start) -> startsByTopic.merge(this.topics.forEvent(eventName), start,
						EventLogPosition::earliest));
			for (TopicPartition partition : partitions) {
				EventLogPosition start = startsByTopic.get(partition.topic());
				Long target = (start != null) ? start.offsets().getOrDefault(partition.partition(), 0L)
						: ends.get(partition);
				long position = consumer.position(partition);
				if (target != null && target > position) {
					logger.debug(() -> "Skipping " + (target - position) + " events of " + partition
							+ " that no open wait can be resolved by");
					consumer.seek(partition, target);
				}
			}
		}
		catch (RuntimeException ex) {
			logger.debug(ex, "Could not skip to the oldest open wait; reading from the committed offsets");
		}
	}

}
