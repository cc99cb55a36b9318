package dev.backgroundjobs.outbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.backgroundjobs.store.OutboxEntry;
import dev.backgroundjobs.store.OutboxStore;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Relays outbox rows to the broker and deletes them once it has acknowledged them.
 * <p>
 * <b>Right after a commit</b>, the rows a transaction wrote are handed to the producer on
 * the relay's thread: no polling delay, and the caller's thread never waits for the
 * broker. Acknowledged rows are deleted in batches.
 * <p>
 * <b>The poller</b> runs every interval on every instance. It relays, oldest first, rows
 * older than {@code takeoverAfter}: those of an instance that died between a commit and
 * its relay, or whose relay failed. Rows are claimed with {@code SKIP LOCKED} and held
 * until the broker has acknowledged them, so instances relaying at once take different
 * rows. A row relayed twice (an instance slower than {@code takeoverAfter}) is the same
 * event with the same id, which the engine runs once per function.
 * <p>
 * <b>After a failure</b> (the broker down, a send refused) the relay switches to backlog
 * mode: rows just committed are left to the poller, which relays every row in outbox
 * order, whatever its age, until the outbox has been drained; then relays after commits
 * resume. So a backlog is relayed in order, before the events committed after it. No run
 * exists for an event in the outbox yet, so an outage spends no retries.
 * <p>
 * State: everything runs on the relay's one thread except the producer's acknowledgement
 * callbacks, which only queue ids for deletion and note failures (atomics).
 */
public final class OutboxRelay implements SmartLifecycle {

	/**
	 * The lifecycle phase: started before the engine and stopped after the web server's
	 * graceful shutdown, so that requests finishing then still have their events relayed
	 * at once.
	 */
	public static final int PHASE = Integer.MAX_VALUE - 4096;

	private static final LogAccessor logger = new LogAccessor(OutboxRelay.class);

	private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

	private final OutboxStore store;

	private final Sender sender;

	private final Settings settings;

	private final Clock clock;

	private volatile Observer observer = Observer.NONE;

	private final ConcurrentLinkedQueue<Long> acknowledged = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean deletionScheduled = new AtomicBoolean();

	private final AtomicBoolean pollRequested = new AtomicBoolean();

	// Starts true, so that rows left by an earlier life of this instance go first.
	private volatile boolean backlog = true;

	private volatile boolean failedSinceDrained;

	private volatile @Nullable ScheduledExecutorService executor;

	private long lastFailureLogNanos;

	private boolean failedBefore;

	/**
	 * Creates a relay.
	 * @param store the outbox
	 * @param sender hands records to the broker
	 * @param settings how often to poll and what to take over
	 * @param clock the engine's clock, in step with the database's, for the age of rows
	 */
	public OutboxRelay(OutboxStore store, Sender sender, Settings settings, Clock clock) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(sender, "'sender' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		this.store = store;
		this.sender = sender;
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Sets what is told of relays and failures, for metrics.
	 * @param observer the observer
	 */
	public void setObserver(Observer observer) {
		Assert.notNull(observer, "'observer' must not be null");
		this.observer = observer;
	}

	/**
	 * Relays rows whose transaction has just committed. Returns at once; the rows stay in
	 * the outbox for the poller if the relay is stopped or working off a backlog.
	 * @param entries the rows, with their ids, in outbox order
	 * @param committedNanos {@link System#nanoTime()} at the commit
	 */
	public void relayCommitted(List<OutboxEntry> entries, long committedNanos) {
		if (entries.isEmpty()) {
			return;
		}
		if (!execute(() -> relayNow(entries, committedNanos))) {
			logger.debug(() -> "Outbox relay stopped; " + entries.size() + " events wait for the next start");
		}
	}

	/**
	 * Runs one poll at once, on the caller's thread: relays every row the poller would.
	 * @return how many rows were relayed
	 * @throws RuntimeException if the database or the broker fails
	 */
	public int pollNow() {
		Duration minAge = this.backlog ? Duration.ZERO : this.settings.takeoverAfter();
		boolean wasBacklog = this.backlog;
		int total = 0;
		int claimed;
		do {
			Set<Long> relayed = new HashSet<>();
			claimed = this.store.relayOldest(this.settings.batchSize(), minAge, (rows) -> {
				relayed.addAll(publishAndAwait(rows));
				return relayed;
			});
			total += relayed.size();
			if (relayed.size() < claimed) {
				throw new IllegalStateException(
						"The broker acknowledged " + relayed.size() + " of " + claimed + " outbox events");
			}
		}
		while (claimed == this.settings.batchSize());
		if (wasBacklog) {
			this.backlog = false;
			// The relay starts in backlog mode, to relay what a previous run left: only a
			// failure, or rows actually relayed, are worth an INFO line.
			int relayedTotal = total;
			if (this.failedSinceDrained || relayedTotal > 0) {
				logger.info(() -> "Outbox drained (" + relayedTotal
						+ " events relayed); events are relayed right after their commit again");
			}
			this.failedSinceDrained = false;
		}
		return total;
	}

	private void relayNow(List<OutboxEntry> entries, long committedNanos) {
		if (this.backlog) {
			requestPoll();
			return;
		}
		for (OutboxEntry entry : entries) {
			CompletableFuture<?> sent;
			try {
				sent = this.sender.send(entry);
			}
			catch (RuntimeException ex) {
				enterBacklogMode(ex);
				return;
			}
			sent.whenComplete((result, failure) -> {
				if (failure != null) {
					enterBacklogMode(failure);
				}
				else {
					this.observer.relayed(Duration.ofNanos(System.nanoTime() - committedNanos));
					this.acknowledged.add(entry.outboxId());
					if (this.deletionScheduled.compareAndSet(false, true)) {
						execute(this::deleteAcknowledged);
					}
				}
			});
		}
	}

	private Set<Long> publishAndAwait(List<OutboxEntry> rows) {
		long deadline = System.nanoTime() + this.settings.sendTimeout().toNanos();
		List<CompletableFuture<?>> sent = new ArrayList<>(rows.size());
		for (OutboxEntry row : rows) {
			sent.add(this.sender.send(row));
		}
		Set<Long> acknowledgedIds = new HashSet<>();
		Throwable failure = null;
		for (int i = 0; i < rows.size(); i++) {
			try {
				sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				acknowledgedIds.add(rows.get(i).outboxId());
				Instant createdAt = rows.get(i).createdAt();
				if (createdAt != null) {
					this.observer.relayed(Duration.between(createdAt, this.clock.instant()));
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while relaying the outbox", ex);
			}
			catch (ExecutionException | TimeoutException ex) {
				if (failure == null) {
					failure = (ex instanceof ExecutionException) ? ex.getCause() : ex;
				}
			}
		}
		if (failure != null) {
			enterBacklogMode(failure);
		}
		return acknowledgedIds;
	}

	private void deleteAcknowledged() {
		this.deletionScheduled.set(false);
		List<Long> ids = new ArrayList<>();
		for (Long id = this.acknowledged.poll(); id != null; id = this.acknowledged.poll()) {
			ids.add(id);
		}
		try {
			this.store.delete(ids);
		}
		catch (RuntimeException ex) {
			// Deleted with the next batch; until then the poller could relay them again,
			// which makes no second run.
			this.acknowledged.addAll(ids);
			logThrottled("Could not delete relayed outbox rows; trying again", ex);
		}
	}

	private void enterBacklogMode(Throwable failure) {
		this.observer.failed(failure);
		if (!this.backlog) {
			this.backlog = true;
			this.failedSinceDrained = true;
			logger.warn(() -> "Could not relay an outbox event (" + failure
					+ "); events wait in the outbox and are relayed in order once the broker takes them");
		}
	}

	private void requestPoll() {
		if (this.pollRequested.compareAndSet(false, true)) {
			execute(this::pollSafely);
		}
	}

	private void pollSafely() {
		this.pollRequested.set(false);
		try {
			if (!this.acknowledged.isEmpty()) {
				deleteAcknowledged();
			}
			int relayed = pollNow();
			if (relayed > 0) {
				logger.debug(() -> "Relayed " + relayed + " outbox events");
			}
			synchronized (this) {
				this.failedBefore = false;
			}
		}
		catch (RuntimeException ex) {
			this.backlog = true;
			logThrottled("Could not relay the outbox; trying again in " + this.settings.interval().toMillis() + " ms",
					ex);
		}
	}

	private synchronized void logThrottled(String message, RuntimeException ex) {
		long now = System.nanoTime();
		if (!this.failedBefore || now - this.lastFailureLogNanos >= LOG_INTERVAL.toNanos()) {
			logger.warn(ex, message);
			this.lastFailureLogNanos = now;
		}
		this.failedBefore = true;
	}

	private boolean execute(Runnable task) {
		ScheduledExecutorService executor = this.executor;
		if (executor == null) {
			return false;
		}
		try {
			executor.execute(task);
			return true;
		}
		catch (RejectedExecutionException ex) {
			return false;
		}
	}

	@Override
	public synchronized void start() {
		if (this.executor != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "background-jobs-outbox-relay");
			thread.setDaemon(true);
			return thread;
		});
		executor.scheduleWithFixedDelay(this::pollSafely, 0, this.settings.interval().toMillis(),
				TimeUnit.MILLISECONDS);
		this.executor = executor;
	}

	@Override
	public synchronized void stop() {
		ScheduledExecutorService executor = this.executor;
		if (executor == null) {
			return;
		}
		this.executor = null;
		executor.shutdown();
		try {
			// Lets relays of rows just committed and their deletions finish.
			if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
				executor.shutdownNow();
			}
		}
		catch (InterruptedException ex) {
			executor.shutdownNow();
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.executor != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Hands one outbox row to the broker.
	 */
	@FunctionalInterface
	public interface Sender {

		/**
		 * Sends the record of a row, without waiting for the acknowledgement.
		 * @param entry the row
		 * @return completes when the broker has acknowledged the record
		 */
		CompletableFuture<?> send(OutboxEntry entry);

	}

	/**
	 * Told of relays and failures.
	 */
	public interface Observer {

		/**
		 * Tells nothing.
		 */
		Observer NONE = new Observer() {
		};

		/**
		 * An event was acknowledged by the broker.
		 * @param latency from the commit to the acknowledgement
		 */
		default void relayed(Duration latency) {
		}

		/**
		 * A relay failed; the event waits in the outbox.
		 * @param failure why
		 */
		default void failed(Throwable failure) {
		}

	}

	/**
	 * Relay settings.
	 *
	 * @param interval how often the poller runs
	 * @param takeoverAfter how old a row must be before the poller relays it, when no
	 * backlog is known: rows younger than this are being relayed after their commit
	 * @param batchSize the most rows claimed in one poller transaction
	 * @param sendTimeout how long the poller waits for the broker's acknowledgements
	 */
	public record Settings(Duration interval, Duration takeoverAfter, int batchSize, Duration sendTimeout) {

	}

}
