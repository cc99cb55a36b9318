package dev.backgroundjobs.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The transactional outbox: events written in the caller's transaction, relayed to the
 * broker after it commits, then deleted.
 */
public interface OutboxStore {

	/**
	 * Writes events to the outbox in the transaction bound to the current thread (or in a
	 * transaction of their own when none is), in the order given.
	 * @param entries the events
	 * @return the outbox ids of the written rows, in the same order; ascending
	 */
	List<Long> append(List<OutboxEntry> entries);

	/**
	 * Claims the oldest rows older than the given age that no other transaction holds
	 * ({@code SKIP LOCKED}), hands them to {@code relay} in outbox order, and deletes
	 * those it reports relayed, all in one transaction.
	 * @param limit the most rows claimed
	 * @param minAge how old, on the database's clock, a row must be
	 * @param relay publishes the rows and returns the outbox ids of those the broker
	 * acknowledged
	 * @return how many rows were claimed
	 */
	int relayOldest(int limit, Duration minAge, Function<List<OutboxEntry>, Set<Long>> relay);

	/**
	 * Deletes relayed rows.
	 * @param outboxIds the outbox ids
	 */
	void delete(Collection<Long> outboxIds);

	/**
	 * Returns the number of rows waiting to be relayed and the creation time of the
	 * oldest.
	 * @return the backlog
	 */
	Backlog backlog();

	/**
	 * The rows waiting to be relayed.
	 *
	 * @param size how many rows
	 * @param oldest when the oldest was written, or {@code null} when there are none
	 */
	record Backlog(long size, @Nullable Instant oldest) {

	}

}
