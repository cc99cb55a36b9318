package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.engine.RunLifecycleListener;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Relays stored dead letters to the dead-letter topic until the broker acknowledges them:
 * the outbox of the dead-letter topic. Each instance runs one relay; rows are claimed
 * with {@code SKIP LOCKED}, so instances relay different rows. A dead letter waits in the
 * database through a broker outage or a crash between its commit and its publication, and
 * is published once the relay gets to it.
 * <p>
 * The relay runs every interval, and at once after a run fails or a poison record is
 * recorded. It survives any exception, logging it at most once a minute.
 */
public final class DeadLetterRelay implements SmartLifecycle, RunLifecycleListener {

	/**
	 * Most dead letters claimed and published in one transaction.
	 */
	static final int BATCH_SIZE = 100;

	private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

	private static final LogAccessor logger = new LogAccessor(DeadLetterRelay.class);

	private final DeadLetterStore store;

	private final DeadLetterPublisher publisher;

	private final Duration interval;

	private volatile @Nullable ScheduledExecutorService executor;

	private long lastFailureLogNanos;

	private boolean failedBefore;

	/**
	 * Creates a relay.
	 * @param store the dead letters
	 * @param publisher publishes them
	 * @param interval how often to look for unpublished dead letters
	 */
	public DeadLetterRelay(DeadLetterStore store, DeadLetterPublisher publisher, Duration interval) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(publisher, "'publisher' must not be null");
		Assert.isTrue(!interval.isNegative() && !interval.isZero(), "'interval' must be positive");
		this.store = store;
		this.publisher = publisher;
		this.interval = interval;
	}

	/**
	 * Publishes every unpublished dead letter this relay can claim, batch by batch.
	 * @return how many were published
	 * @throws RuntimeException if the database fails
	 */
	public int relayNow() {
		int total = 0;
		int published;
		do {
			published = this.store.relayUnpublished(BATCH_SIZE, this.publisher::publish);
			total += published;
		}
		while (published == BATCH_SIZE);
		return total;
	}

	/**
	 * Asks the relay to run soon, for a dead letter just recorded.
	 */
	public void wakeUp() {
		ScheduledExecutorService executor = this.executor;
		if (executor != null) {
			try {
				executor.execute(this::relaySafely);
			}
			catch (RuntimeException ex) {
				// Stopping: the dead letter is relayed after the next start.
			}
		}
	}

	@Override
	public void runFailed(RunRecord run, @Nullable String stepId, String error) {
		wakeUp();
	}

	private void relaySafely() {
		try {
			int published = relayNow();
			if (published > 0) {
				logger.debug(() -> "Published " + published + " dead letters");
			}
			synchronized (this) {
				this.failedBefore = false;
			}
		}
		catch (RuntimeException ex) {
			logThrottled(ex);
		}
	}

	private synchronized void logThrottled(RuntimeException ex) {
		long now = System.nanoTime();
		if (!this.failedBefore || now - this.lastFailureLogNanos >= LOG_INTERVAL.toNanos()) {
			logger.warn(ex, "Could not relay dead letters to the dead-letter topic; trying again");
			this.lastFailureLogNanos = now;
		}
		this.failedBefore = true;
	}

	@Override
	public synchronized void start() {
		if (this.executor != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "background-jobs-dead-letter-relay");
			thread.setDaemon(true);
			return thread;
		});
		executor.scheduleWithFixedDelay(this::relaySafely, 0, this.interval.toMillis(), TimeUnit.MILLISECONDS);
		this.executor = executor;
	}

	@Override
	public synchronized void stop() {
		ScheduledExecutorService executor = this.executor;
		if (executor == null) {
			return;
		}
		this.executor = null;
		executor.shutdownNow();
		try {
			executor.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.executor != null;
	}

}
