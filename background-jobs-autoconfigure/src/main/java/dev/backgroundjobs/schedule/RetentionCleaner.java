package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RetentionStore;
import dev.backgroundjobs.store.RetentionStore.Deleted;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.util.Assert;

/**
 * Deletes what is past its retention, every interval: completed runs older than one age,
 * failed and cancelled runs and dead letters older than another (see
 * {@link RetentionStore} for what is kept whatever its age). Each kind is deleted in
 * batches, one transaction each, until a batch comes back short; every instance runs the
 * loop, and batches skip the rows another instance is deleting.
 * <p>
 * The loop runs on a thread of its own, so that a long backlog (the first round after
 * retention is turned on) never delays the engine's polls and ticks. Like the engine's
 * other loops it survives whatever a round throws: a failed round is logged at a
 * throttled rate and the next round, an interval later, tries again. At stop a batch in
 * progress finishes, and no other starts.
 */
public final class RetentionCleaner implements SmartLifecycle {

	/**
	 * Lifecycle phase: with the engine's.
	 */
	public static final int PHASE = EngineLifecycle.PHASE;

	private static final LogAccessor logger = new LogAccessor(RetentionCleaner.class);

	private final RetentionStore store;

	private final Settings settings;

	private final List<Listener> listeners;

	private final LoopFailures failures = new LoopFailures(logger, "delete runs and dead letters past their retention");

	private volatile @Nullable ScheduledExecutorService executor;

	private volatile boolean stopping;

	/**
	 * Creates a cleaner.
	 * @param store deletes the rows
	 * @param settings ages, batch size and interval
	 * @param listeners told of every batch that deleted rows, such as metrics
	 */
	public RetentionCleaner(RetentionStore store, Settings settings, List<Listener> listeners) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(listeners, "'listeners' must not be null");
		this.store = store;
		this.settings = settings;
		this.listeners = List.copyOf(listeners);
	}

	/**
	 * Deletes everything past its retention now, batch by batch.
	 * @return the rows deleted
	 * @throws RuntimeException if the database fails; batches deleted before the failure
	 * stay deleted, and were reported
	 */
	public Deleted cleanNow() {
		Deleted total = Deleted.NONE;
		total = total.plus(deleteBatches(
				(limit) -> this.store.deleteFinishedRuns(RunStatus.COMPLETED, this.settings.completedRuns(), limit),
				Deleted::runs));
		for (RunStatus status : List.of(RunStatus.FAILED, RunStatus.CANCELLED)) {
			total = total
				.plus(deleteBatches((limit) -> this.store.deleteFinishedRuns(status, this.settings.failedRuns(), limit),
						Deleted::runs));
		}
		total = total
			.plus(deleteBatches((limit) -> this.store.deletePublishedDeadLetters(this.settings.failedRuns(), limit),
					Deleted::deadLetters));
		deleteEndedGateWindows();
		deleteReleasedSingletonKeys();
		return total;
	}

	/**
	 * Deletes the counts of idempotency keys and rate limits whose window ended, and the
	 * throttle and debounce rows whose time passed. Not reported to the listeners: they
	 * are not retention of runs, only of counts that no longer count.
	 */
	private void deleteEndedGateWindows() {
		int limit = this.settings.batchSize();
		while (!this.stopping && this.store.deleteEndedGateWindows(limit) >= limit) {
			// Another batch
		}
		while (!this.stopping && this.store.deletePassedThrottles(limit) >= limit) {
			// Another batch
		}
		while (!this.stopping && this.store.deletePassedDebounces(limit) >= limit) {
			// Another batch
		}
	}

	/**
	 * Deletes the singleton keys whose run was deleted and the concurrency keys no
	 * unfinished run uses, after the runs: not reported to the listeners either.
	 */
	private void deleteReleasedSingletonKeys() {
		int limit = this.settings.batchSize();
		while (!this.stopping && this.store.deleteReleasedSingletonKeys(limit) >= limit) {
			// Another batch
		}
		while (!this.stopping && this.store.deleteIdleConcurrencyKeys(limit) >= limit) {
			// Another batch
		}
	}

	private Deleted deleteBatches(Batch batch, ToLongFunction<Deleted> deletedItems) {
		Deleted total = Deleted.NONE;
		int limit = this.settings.batchSize();
		while (!this.stopping) {
			Deleted deleted = batch.delete(limit);
			if (!deleted.isEmpty()) {
				report(deleted);
				total = total.plus(deleted);
			}
			if (deletedItems.applyAsLong(deleted) < limit) {
				break;
			}
		}
		return total;
	}

	private void report(Deleted deleted) {
		for (Listener listener : this.listeners) {
			try {
				listener.deleted(deleted);
			}
			catch (RuntimeException ex) {
				logger.warn(ex, "A retention listener failed");
			}
		}
	}

	private void cleanSafely() {
		try {
			Deleted deleted = cleanNow();
			this.failures.succeeded();
			if (!deleted.isEmpty()) {
				logger.debug(() -> "Deleted past their retention: " + deleted);
			}
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
		}
	}

	@Override
	public synchronized void start() {
		if (this.executor != null) {
			return;
		}
		this.stopping = false;
		CustomizableThreadFactory threads = new CustomizableThreadFactory("background-jobs-retention-");
		threads.setDaemon(true);
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(threads);
		long interval = this.settings.interval().toMillis();
		// Whatever a round throws is caught in it: a periodic task that throws once is
		// never run again.
		executor.scheduleWithFixedDelay(this::cleanSafely, interval, interval, TimeUnit.MILLISECONDS);
		this.executor = executor;
		logger.info(() -> "Deleting completed runs after " + this.settings.completedRuns()
				+ ", failed and cancelled runs and dead letters after " + this.settings.failedRuns() + ", every "
				+ this.settings.interval());
	}

	@Override
	public synchronized void stop() {
		ScheduledExecutorService executor = this.executor;
		if (executor == null) {
			return;
		}
		this.stopping = true;
		this.executor = null;
		// Not interrupted: interrupting JDBC breaks connections. The batch in progress
		// finishes and no other starts.
		executor.shutdown();
		try {
			executor.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Told of the rows each batch deleted.
	 */
	@FunctionalInterface
	public interface Listener {

		/**
		 * Called after a batch that deleted rows committed.
		 * @param deleted the rows it deleted
		 */
		void deleted(Deleted deleted);

	}

	@FunctionalInterface
	private interface Batch {

		Deleted delete(int limit);

	}

	/**
	 * What is deleted, and how often.
	 *
	 * @param completedRuns how long after finishing completed runs are deleted
	 * @param failedRuns how long after finishing failed and cancelled runs are deleted,
	 * and how long after being recorded published dead letters are
	 * @param batchSize the most runs or dead letters deleted in one transaction
	 * @param interval the time between the end of one round and the start of the next
	 */
	public record Settings(Duration completedRuns, Duration failedRuns, int batchSize, Duration interval) {

		/**
		 * Checks the settings.
		 */
		public Settings {
			Assert.isTrue(isPositive(completedRuns), "The age of completed runs must be positive");
			Assert.isTrue(isPositive(failedRuns), "The age of failed runs must be positive");
			Assert.isTrue(batchSize > 0, "The batch size must be positive");
			Assert.isTrue(isPositive(interval), "The interval must be positive");
		}

		private static boolean isPositive(@Nullable Duration duration) {
			return duration != null && !duration.isNegative() && !duration.isZero();
		}

	}

}
