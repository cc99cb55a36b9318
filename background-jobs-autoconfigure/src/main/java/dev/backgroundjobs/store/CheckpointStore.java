package dev.backgroundjobs.store;

import java.util.List;

/**
 * Writes the checkpoints of many runs in one transaction (group commit), so that the cost
 * of a commit is shared by every run that reached a checkpoint at about the same time. It
 * is the only way steps are saved and runs completed, so every such write is fenced and
 * batched the same way.
 */
public interface CheckpointStore {

	/**
	 * Writes checkpoints in one transaction. Each is fenced on its own: it is written
	 * only while its run is {@code QUEUED} or {@code RUNNING} with the checkpoint's
	 * version, and the run cannot be claimed by another instance until the transaction
	 * ends.
	 * @param checkpoints the checkpoints, at most one per run
	 * @return for each checkpoint, in order, whether it was written
	 * @throws RuntimeException if the transaction failed (a {@code DataAccessException},
	 * or a {@code TransactionException} when it could not begin or commit), in which case
	 * nothing was written, or, if the commit failed, everything may have been
	 */
	List<Boolean> write(List<Checkpoint> checkpoints);

}
