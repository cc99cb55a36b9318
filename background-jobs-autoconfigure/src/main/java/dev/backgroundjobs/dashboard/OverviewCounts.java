package dev.backgroundjobs.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * The overview's counts, served from the last snapshot and refreshed behind the request.
 * <p>
 * Counting runs by status reads the whole status index: about 100 ms at a million runs,
 * growing with the table. The overview is opened, and refreshed by every page of the
 * dashboard, far more often than the counts change in a way anyone reads, so a request
 * answers from the latest snapshot at once and, when that snapshot is older than
 * {@code maxAge}, starts one refresh on a thread of its own for the next request. The
 * overview page polls at that interval, so while anyone watches, the snapshot is never
 * more than two intervals old. Only a request with no snapshot yet, or with one older
 * than six intervals (nobody watched for a while), waits for the database. The snapshot
 * carries the time it was taken, which the page shows.
 * <p>
 * Thread safety: {@link #latest} is replaced whole, under {@link #readLock}, by the
 * refreshing thread or a waiting caller, and read without a lock; {@link #refreshing}
 * lets at most one refresh run at a time, so a slow or unreachable database never piles
 * up threads. A failed refresh keeps the previous snapshot, logs at DEBUG, and the next
 * request after {@code maxAge} tries again.
 */
public class OverviewCounts {

	private static final LogAccessor logger = new LogAccessor(OverviewCounts.class);

	private static final Duration LAST_HOUR = Duration.ofHours(1);

	private final RunStore runStore;

	private final DeadLetterStore deadLetterStore;

	private final RunInsights insights;

	private final Clock clock;

	private final Duration maxAge;

	private final Duration staleAfter;

	private final AtomicBoolean refreshing = new AtomicBoolean();

	private final Object readLock = new Object();

	private volatile @Nullable Snapshot latest;

	/**
	 * Creates the counts.
	 * @param runStore counts runs by status and finds the oldest queued run
	 * @param deadLetterStore counts dead letters
	 * @param insights counts the last hour's activity
	 * @param clock the clock for ages and the last hour
	 * @param maxAge how old a snapshot may be before a request refreshes it
	 */
	public OverviewCounts(RunStore runStore, DeadLetterStore deadLetterStore, RunInsights insights, Clock clock,
			Duration maxAge) {
		Assert.notNull(runStore, "'runStore' must not be null");
		Assert.notNull(deadLetterStore, "'deadLetterStore' must not be null");
		Assert.notNull(insights, "'insights' must not be null");
		Assert.notNull(clock, "'clock' must not be null");
		Assert.isTrue(maxAge != null && !maxAge.isNegative(), "'maxAge' must not be null or negative");
		this.runStore = runStore;
		this.deadLetterStore = deadLetterStore;
		this.insights = insights;
		this.clock = clock;
		this.maxAge = maxAge;
		this.staleAfter = maxAge.multipliedBy(6);
	}

	/**
	 * Returns the latest snapshot, reading one first if there is none yet, and starts a
	 * refresh in the background when it is older than the maximum age.
	 * @return the snapshot
	 */
	public Snapshot get() {
		Snapshot snapshot = this.latest;
		Instant now = this.clock.instant();
		if (snapshot == null || snapshot.countedAt().plus(this.staleAfter).isBefore(now)) {
			return readNow(snapshot);
		}
		if (snapshot.countedAt().plus(this.maxAge).isBefore(now)) {
			refreshInBackground();
		}
		return snapshot;
	}

	/**
	 * Reads a snapshot while the caller waits, unless a concurrent caller just did. A
	 * stale snapshot is still better than an error page when the database cannot answer.
	 */
	private Snapshot readNow(@Nullable Snapshot stale) {
		synchronized (this.readLock) {
			Snapshot snapshot = this.latest;
			if (snapshot != stale && snapshot != null) {
				return snapshot;
			}
			try {
				snapshot = read();
			}
			catch (RuntimeException ex) {
				if (stale == null) {
					throw ex;
				}
				logger.debug(ex, "Could not read the dashboard's overview counts; older ones are shown");
				return stale;
			}
			this.latest = snapshot;
			return snapshot;
		}
	}

	private void refreshInBackground() {
		if (!this.refreshing.compareAndSet(false, true)) {
			return;
		}
		Thread thread = new Thread(this::refresh, "background-jobs-dashboard-counts");
		thread.setDaemon(true);
		thread.start();
	}

	private void refresh() {
		try {
			Snapshot fresh = read();
			synchronized (this.readLock) {
				// A read made meanwhile while a caller waited may be newer.
				Snapshot current = this.latest;
				if (current == null || fresh.countedAt().isAfter(current.countedAt())) {
					this.latest = fresh;
				}
			}
		}
		catch (Throwable ex) {
			logger.debug(ex, "Could not refresh the dashboard's overview counts; the previous ones are shown");
		}
		finally {
			this.refreshing.set(false);
		}
	}

	private Snapshot read() {
		Instant now = this.clock.instant();
		Instant hourAgo = now.minus(LAST_HOUR);
		Map<RunStatus, Long> counts = new EnumMap<>(RunStatus.class);
		for (RunStatus status : RunStatus.values()) {
			counts.put(status, 0L);
		}
		counts.putAll(this.runStore.countByStatus());
		LastHour lastHour = new LastHour(this.insights.countCreatedSince(hourAgo),
				this.insights.countFinishedSince(RunStatus.COMPLETED, hourAgo),
				this.insights.countFinishedSince(RunStatus.FAILED, hourAgo));
		return new Snapshot(counts, lastHour, this.deadLetterStore.count(),
				this.runStore.oldestCreatedAt(RunStatus.QUEUED), now);
	}

	/**
	 * The overview's counts at one moment.
	 *
	 * @param runCounts the number of runs in each status, every status included
	 * @param lastHour the last hour's activity
	 * @param deadLetterCount the number of dead letters
	 * @param oldestQueuedAt when the oldest queued run was recorded, or {@code null}
	 * @param countedAt when the counts were read
	 */
	public record Snapshot(Map<RunStatus, Long> runCounts, LastHour lastHour, long deadLetterCount,
			@Nullable Instant oldestQueuedAt, Instant countedAt) {

	}

	/**
	 * Runs started, completed and failed over the last hour.
	 *
	 * @param started runs recorded
	 * @param completed runs completed
	 * @param failed runs failed
	 */
	public record LastHour(long started, long completed, long failed) {

	}

}
