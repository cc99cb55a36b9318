package dev.backgroundjobs.store;

import java.time.Duration;
import java.util.List;

/**
 * Keeps the events of batched functions until their batch runs, and records the run of
 * each batch. Every event is in exactly one batch: an event is stored once per function
 * (a redelivered one is ignored), and a batch takes only events that are in none yet,
 * under a lock of its function and key, in the transaction that records its run.
 */
public interface BatchStore {

	/**
	 * Stores events of one function in one transaction, and records, in the same
	 * transaction, the run of each batch of a key that they fill to {@code maxSize}. The
	 * runs are recorded as {@link RunStore#insertLeased} records runs: leased to
	 * {@code owner} and already started. An event stored already is ignored.
	 * @param events the events, all of one function
	 * @param maxSize most events per batch
	 * @param owner the instance that takes the lease of the runs
	 * @param lease how long the lease lasts
	 * @return the runs recorded
	 */
	List<NewRun> add(List<BatchedEvent> events, int maxSize, String owner, Duration lease);

	/**
	 * Records the runs of a function's batches whose first event was stored
	 * {@code timeout} ago or longer, with the events they hold, up to {@code maxSize}
	 * each. Keys that another transaction holds are skipped, to be closed by a later
	 * call.
	 * @param functionId the function id
	 * @param maxSize most events per batch
	 * @param timeout longest wait of a batch from its first event
	 * @param limit most keys to close
	 * @param owner the instance that takes the lease of the runs
	 * @param lease how long the lease lasts
	 * @return the runs recorded
	 */
	List<NewRun> closeDue(String functionId, int maxSize, Duration timeout, int limit, String owner, Duration lease);

}
