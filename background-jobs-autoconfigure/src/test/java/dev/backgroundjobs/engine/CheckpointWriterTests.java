package dev.backgroundjobs.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.CheckpointStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link CheckpointWriter}, on a fake store that records its batches.
 */
class CheckpointWriterTests {

	private final RecordingStore store = new RecordingStore();

	private final ExecutorService workers = Executors.newFixedThreadPool(16);

	private final CountDownLatch firstBatchStarted = new CountDownLatch(1);

	private final CountDownLatch releaseFirstBatch = new CountDownLatch(1);

	private CheckpointWriter writer;

	@AfterEach
	void close() {
		this.workers.shutdownNow();
		if (this.writer != null) {
			this.writer.close();
		}
	}

	@Test
	void checkpointsWaitingWhileABatchIsWrittenShareTheNextTransaction() throws Exception {
		this.store.behaviour = (batch) -> {
			holdFirstBatch();
			return Collections.nCopies(batch.size(), true);
		};
		this.writer = writer(1);
		Future<Boolean> first = writeHeldFirstBatch("run-0");
		List<Future<Boolean>> waiting = new ArrayList<>();
		for (int i = 1; i <= 10; i++) {
			String runId = "run-" + i;
			waiting.add(this.workers.submit(() -> this.writer.write(step(runId, 1))));
		}
		awaitQueued(10);
		this.releaseFirstBatch.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
		for (Future<Boolean> result : waiting) {
			assertThat(result.get(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(this.store.batches).hasSize(2);
		assertThat(this.store.batches.get(1)).hasSize(10);
	}

	@Test
	void writerThreadsStartWithTheFirstCheckpointNotWithTheWriter() {
		this.store.behaviour = (batch) -> Collections.nCopies(batch.size(), true);
		AtomicInteger threads = new AtomicInteger();
		CustomizableThreadFactory factory = new CustomizableThreadFactory("checkpoint-test-");
		this.writer = new CheckpointWriter(this.store, 2, 100, (task) -> {
			threads.incrementAndGet();
			return factory.newThread(task);
		});
		assertThat(threads).hasValue(0);
		assertThat(this.writer.write(step("run-1", 1))).isTrue();
		assertThat(this.writer.write(step("run-2", 1))).isTrue();
		assertThat(threads).hasValue(2);
	}

	@Test
	void writeReturnsWhetherTheStoreWroteTheCheckpoint() {
		this.store.behaviour = (batch) -> batch.stream().map((checkpoint) -> checkpoint.version() == 1).toList();
		this.writer = writer(2);
		assertThat(this.writer.write(step("run-1", 1))).isTrue();
		assertThat(this.writer.write(new Checkpoint.RunCompleted("run-2", 7, null))).isFalse();
	}

	@Test
	void aBatchRejectedForOneBadCheckpointIsWrittenOneByOneSoOnlyThatOneFails() throws Exception {
		this.store.behaviour = (batch) -> {
			holdFirstBatch();
			if (batch.stream().anyMatch((checkpoint) -> checkpoint.runId().equals("bad"))) {
				throw new DataIntegrityViolationException("value too long");
			}
			return Collections.nCopies(batch.size(), true);
		};
		this.writer = writer(1);
		Future<Boolean> blocker = writeHeldFirstBatch("blocker");
		Future<Boolean> good = this.workers.submit(() -> this.writer.write(step("good", 1)));
		Future<Boolean> bad = this.workers.submit(() -> this.writer.write(step("bad", 1)));
		awaitQueued(2);
		this.releaseFirstBatch.countDown();
		assertThat(blocker.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(good.get(10, TimeUnit.SECONDS)).isTrue();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
			.withCauseInstanceOf(DataIntegrityViolationException.class);
	}

	@Test
	void anUnreachableDatabaseFailsTheWholeBatchWithoutRetryingEachCheckpoint() {
		this.store.behaviour = (batch) -> {
			throw new DataAccessResourceFailureException("connection refused");
		};
		this.writer = writer(1);
		assertThatExceptionOfType(DataAccessResourceFailureException.class)
			.isThrownBy(() -> this.writer.write(step("run-1", 1)));
		assertThat(this.store.batches).hasSize(1);
	}

	@Test
	void aTransientFailureIsRetriedOnce() {
		AtomicInteger calls = new AtomicInteger();
		this.store.behaviour = (batch) -> {
			if (calls.incrementAndGet() == 1) {
				throw new CannotAcquireLockException("deadlock detected");
			}
			return Collections.nCopies(batch.size(), true);
		};
		this.writer = writer(1);
		assertThat(this.writer.write(step("run-1", 1))).isTrue();
		assertThat(this.store.batches).hasSize(2);
	}

	@Test
	void twoCheckpointsOfOneRunAreNeverInTheSameBatch() throws Exception {
		this.store.behaviour = (batch) -> {
			holdFirstBatch();
			return Collections.nCopies(batch.size(), true);
		};
		this.writer = writer(1);
		Future<Boolean> blocker = writeHeldFirstBatch("blocker");
		// An execution that gave up waiting, and the run's next execution.
		Future<Boolean> stale = this.workers.submit(() -> this.writer.write(step("run-1", 1)));
		awaitQueued(1);
		Future<Boolean> next = this.workers.submit(() -> this.writer.write(step("run-1", 1)));
		awaitQueued(2);
		this.releaseFirstBatch.countDown();
		assertThat(blocker.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(stale.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(next.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(this.store.batches).hasSize(3);
		for (List<Checkpoint> batch : this.store.batches) {
			assertThat(batch.stream().map(Checkpoint::runId).distinct()).hasSameSizeAs(batch);
		}
	}

	@Test
	void closeWritesWhatIsQueuedAndLaterWritesFail() throws Exception {
		this.store.behaviour = (batch) -> {
			holdFirstBatch();
			return Collections.nCopies(batch.size(), true);
		};
		this.writer = writer(1);
		Future<Boolean> first = writeHeldFirstBatch("run-1");
		Future<Boolean> queued = this.workers.submit(() -> this.writer.write(step("run-2", 1)));
		awaitQueued(1);
		Future<?> closing = this.workers.submit(this.writer::close);
		this.releaseFirstBatch.countDown();
		closing.get(10, TimeUnit.SECONDS);
		assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(queued.get(10, TimeUnit.SECONDS)).isTrue();
		// Abandoned, not a transient database failure: that would be retried.
		assertThatExceptionOfType(RunInterruption.Abandoned.class).isThrownBy(() -> this.writer.write(step("run-3", 1)))
			.withMessageContaining("the engine has stopped");
	}

	@Test
	void anInterruptedWorkerStopsWaitingAndTheRunIsAbandoned() throws Exception {
		CountDownLatch releaseBatch = new CountDownLatch(1);
		this.store.behaviour = (batch) -> {
			await(releaseBatch);
			return Collections.nCopies(batch.size(), true);
		};
		this.writer = writer(1);
		Future<Throwable> result = this.workers.submit(() -> {
			try {
				this.writer.write(step("run-1", 1));
				return null;
			}
			catch (RunInterruption.Abandoned ex) {
				return ex;
			}
		});
		while (this.store.batches.isEmpty()) {
			Thread.sleep(5);
		}
		this.workers.shutdownNow();
		assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(RunInterruption.Abandoned.class);
		releaseBatch.countDown();
	}

	/**
	 * Holds the first batch until {@link #releaseFirstBatch} opens, so that the next
	 * checkpoints queue up meanwhile.
	 */
	private void holdFirstBatch() {
		if (this.store.batches.size() == 1) {
			this.firstBatchStarted.countDown();
			await(this.releaseFirstBatch);
		}
	}

	private Future<Boolean> writeHeldFirstBatch(String runId) throws InterruptedException {
		Future<Boolean> result = this.workers.submit(() -> this.writer.write(step(runId, 1)));
		assertThat(this.firstBatchStarted.await(10, TimeUnit.SECONDS)).isTrue();
		return result;
	}

	private void awaitQueued(int count) throws InterruptedException {
		while (this.writer.queued() < count) {
			Thread.sleep(5);
		}
	}

	private CheckpointWriter writer(int threads) {
		return new CheckpointWriter(this.store, threads, 100, new CustomizableThreadFactory("test-checkpoints-"));
	}

	private static Checkpoint step(String runId, long version) {
		Instant now = Instant.now();
		return new Checkpoint.StepSaved(new StepRecord(runId, "step", StepStatus.COMPLETED, 1, null, null, now, now),
				version);
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static final class RecordingStore implements CheckpointStore {

		final List<List<Checkpoint>> batches = Collections.synchronizedList(new ArrayList<>());

		volatile Function<List<Checkpoint>, List<Boolean>> behaviour = (batch) -> Collections.nCopies(batch.size(),
				true);

		@Override
		public List<Boolean> write(List<Checkpoint> checkpoints) {
			this.batches.add(List.copyOf(checkpoints));
			return this.behaviour.apply(checkpoints);
		}

	}

}
