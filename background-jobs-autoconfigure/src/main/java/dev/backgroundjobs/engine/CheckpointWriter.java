package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.CheckpointStore;

import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.util.Assert;

/**
 * Group commit of checkpoints: workers hand their step results and run completions over
 * and block until the transaction holding them commits; a few writer threads take
 * everything that is waiting and write it in one transaction each. Under load, one commit
 * serves as many runs as reached a checkpoint meanwhile; alone, a checkpoint costs one
 * transaction as before, plus a hand-over between threads.
 * <p>
 * State: the queue is shared and thread-safe; each writer thread owns the batch it is
 * writing. A worker waits on its own future only. A run may have several checkpoints in
 * flight: one per branch of a parallel step, or one of an execution that gave up waiting
 * still queued when the run's next execution writes. A batch never holds two checkpoints
 * of one run, the later one waits for the next batch.
 */
public final class CheckpointWriter implements AutoCloseable {

	private static final LogAccessor logger = new LogAccessor(CheckpointWriter.class);

	private static final Duration IDLE_POLL = Duration.ofMillis(200);

	private final CheckpointStore store;

	private final int maxBatchSize;

	private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();

	private final int writerThreads;

	private final ThreadFactory threadFactory;

	// Guarded by this; filled once, by the first write.
	private final List<Thread> writers = new ArrayList<>();

	private volatile boolean started;

	private volatile boolean closed;

	/**
	 * Creates a writer. Its threads start with the first checkpoint.
	 * @param store where checkpoints are written
	 * @param writerThreads how many transactions may be in flight at once, each on its
	 * own connection
	 * @param maxBatchSize the most checkpoints one transaction writes
	 * @param threadFactory creates the writer threads
	 */
	public CheckpointWriter(CheckpointStore store, int writerThreads, int maxBatchSize, ThreadFactory threadFactory) {
		Assert.notNull(store, "'store' must not be null");
		Assert.isTrue(writerThreads > 0, "'writerThreads' must be positive");
		Assert.isTrue(maxBatchSize > 0, "'maxBatchSize' must be positive");
		Assert.notNull(threadFactory, "'threadFactory' must not be null");
		this.store = store;
		this.maxBatchSize = maxBatchSize;
		this.writerThreads = writerThreads;
		this.threadFactory = threadFactory;
	}

	private void startWriters() {
		if (this.started) {
			return;
		}
		synchronized (this) {
			if (!this.started && !this.closed) {
				for (int i = 0; i < this.writerThreads; i++) {
					Thread writer = this.threadFactory.newThread(this::writeUntilClosed);
					this.writers.add(writer);
					writer.start();
				}
				this.started = true;
			}
		}
	}

	private synchronized List<Thread> writers() {
		return List.copyOf(this.writers);
	}

	/**
	 * Writes a checkpoint and waits until its transaction has committed.
	 * @param checkpoint the checkpoint
	 * @return whether it was written; {@code false} if the run's version has changed
	 * (another execution owns the run now)
	 * @throws RuntimeException if it could not be written: a {@code DataAccessException}
	 * or a {@code TransactionException}, which {@link Faults#isTransient} tells apart
	 * @throws RunInterruption.Abandoned if the calling thread is interrupted while it
	 * waits (the checkpoint may still be written), or if the writer is closed
	 */
	public boolean write(Checkpoint checkpoint) {
		Assert.notNull(checkpoint, "'checkpoint' must not be null");
		if (this.closed) {
			throw stopped(checkpoint);
		}
		startWriters();
		Pending pending = new Pending(checkpoint, new CompletableFuture<>());
		this.queue.add(pending);
		try {
			while (true) {
				try {
					return pending.result().get(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
				}
				catch (TimeoutException ex) {
					if (this.closed && writers().stream().noneMatch(Thread::isAlive) && !pending.result().isDone()) {
						// Queued just as the writers stopped: nobody is left to write it.
						throw stopped(checkpoint);
					}
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RunInterruption.Abandoned("Interrupted while checkpointing run " + checkpoint.runId()
					+ "; the run resumes from its last checkpoint", ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			throw new IllegalStateException("Could not write a checkpoint of run " + checkpoint.runId(), ex);
		}
	}

	private static RunInterruption.Abandoned stopped(Checkpoint checkpoint) {
		return new RunInterruption.Abandoned("Checkpoints are no longer written: the engine has stopped; run "
				+ checkpoint.runId() + " resumes from its last checkpoint", null);
	}

	/**
	 * Returns how many checkpoints wait for a writer.
	 * @return the queued checkpoints
	 */
	public int queued() {
		return this.queue.size();
	}

	/**
	 * Writes what is queued, then stops the writer threads. Checkpoints written later
	 * fail.
	 */
	@Override
	public void close() {
		synchronized (this) {
			this.closed = true;
		}
		for (Thread writer : writers()) {
			try {
				writer.join(IDLE_POLL.toMillis() * 10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void writeUntilClosed() {
		List<Pending> carried = new ArrayList<>();
		while (!this.closed || !this.queue.isEmpty() || !carried.isEmpty()) {
			try {
				List<Pending> batch = nextBatch(carried);
				if (!batch.isEmpty()) {
					write(batch);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (Throwable ex) {
				logger.error(ex, "Unexpected failure in the checkpoint writer");
			}
		}
	}

	/**
	 * Takes the next batch: the checkpoints carried over from the last one, then all that
	 * are queued, up to the batch size, one per run. Another checkpoint of a run already
	 * in the batch is carried over to the next.
	 */
	private List<Pending> nextBatch(List<Pending> carried) throws InterruptedException {
		List<Pending> candidates = new ArrayList<>(carried);
		carried.clear();
		if (candidates.isEmpty()) {
			Pending first = this.queue.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
			if (first == null) {
				return List.of();
			}
			candidates.add(first);
		}
		this.queue.drainTo(candidates, Math.max(0, this.maxBatchSize - candidates.size()));
		List<Pending> batch = new ArrayList<>(candidates.size());
		Set<String> runIds = new HashSet<>();
		for (Pending pending : candidates) {
			if (runIds.add(pending.checkpoint().runId())) {
				batch.add(pending);
			}
			else {
				carried.add(pending);
			}
		}
		return batch;
	}

	private void write(List<Pending> batch) {
		List<Checkpoint> checkpoints = batch.stream().map(Pending::checkpoint).toList();
		try {
			complete(batch, writeRetryingOnce(checkpoints));
		}
		catch (RuntimeException ex) {
			if (batch.size() > 1 && isCausedByOneCheckpoint(ex)) {
				// Write each alone, so that one bad checkpoint does not fail the others.
				logger.debug(ex, () -> "A batch of " + batch.size() + " checkpoints failed; writing them one by one");
				batch.forEach((pending) -> write(List.of(pending)));
				return;
			}
			batch.forEach((pending) -> pending.result().completeExceptionally(ex));
		}
	}

	private List<Boolean> writeRetryingOnce(List<Checkpoint> checkpoints) {
		try {
			return this.store.write(checkpoints);
		}
		catch (TransientDataAccessException ex) {
			// A deadlock victim or a lock timeout: the next attempt usually goes through.
			logger.debug(ex, "Retrying a checkpoint batch after a transient failure");
			return this.store.write(checkpoints);
		}
	}

	private static boolean isCausedByOneCheckpoint(RuntimeException ex) {
		return ex instanceof NonTransientDataAccessException && !(ex instanceof DataAccessResourceFailureException);
	}

	private static void complete(List<Pending> batch, List<Boolean> written) {
		for (int i = 0; i < batch.size(); i++) {
			batch.get(i).result().complete(written.get(i));
		}
	}

	private record Pending(Checkpoint checkpoint, CompletableFuture<Boolean> result) {

	}

}
