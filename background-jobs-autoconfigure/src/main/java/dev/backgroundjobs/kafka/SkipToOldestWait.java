package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.backgroundjobs.store.EventWaitStore;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * Moves the event-wait consumer past events that cannot resolve any open wait when it is
 * assigned partitions: a wait is resolved only by an event published after it began, so a
 * partition whose position is older than the oldest open wait (less a margin for the
 * clocks of publishers and database) skips ahead to the first record after that time. It
 * only ever moves forward; without open waits, or when the lookup fails, the consumer
 * reads from its committed offsets as usual.
 */
final class SkipToOldestWait implements ConsumerAwareRebalanceListener {

	/**
	 * How much older than the oldest open wait an event may look and still be read: room
	 * for clock differences between publishers and the database.
	 */
	static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);

	private static final LogAccessor logger = new LogAccessor(SkipToOldestWait.class);

	private final EventWaitStore waits;

	SkipToOldestWait(EventWaitStore waits) {
		this.waits = waits;
	}

	@Override
	public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
		if (partitions.isEmpty()) {
			return;
		}
		try {
			Instant oldest = this.waits.oldestOpenWait();
			if (oldest == null) {
				return;
			}
			long from = oldest.minus(CLOCK_MARGIN).toEpochMilli();
			Map<TopicPartition, Long> times = new HashMap<>();
			partitions.forEach((partition) -> times.put(partition, from));
			Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
			for (TopicPartition partition : partitions) {
				OffsetAndTimestamp first = offsets.get(partition);
				long position = consumer.position(partition);
				if (first != null && first.offset() > position) {
					logger.debug(() -> "Skipping " + (first.offset() - position) + " events of " + partition
							+ " published before the oldest open wait");
					consumer.seek(partition, first.offset());
				}
			}
		}
		catch (RuntimeException ex) {
			logger.debug(ex, "Could not skip to the oldest open wait; reading from the committed offsets");
		}
	}

}
