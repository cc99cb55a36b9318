package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Keeps a {@link DatabaseClock} synchronised: once at start-up, before the engine's loops
 * start, and then at a fixed interval.
 */
public final class DatabaseClockSynchronizer implements SmartLifecycle {

	/**
	 * Lifecycle phase: before the engine's, so that the cron ticker's first look already
	 * follows the database's clock.
	 */
	public static final int PHASE = EngineLifecycle.PHASE - 100;

	/**
	 * How often the offset to the database's clock is measured again.
	 */
	public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

	private static final LogAccessor logger = new LogAccessor(DatabaseClockSynchronizer.class);

	private final DatabaseClock clock;

	private final ScheduledExecutorService scheduler;

	private final Duration interval;

	private @Nullable ScheduledFuture<?> synchronizations;

	/**
	 * Creates a synchroniser.
	 * @param clock the clock to synchronise
	 * @param scheduler runs the periodic synchronisation
	 * @param interval how often to synchronise
	 */
	public DatabaseClockSynchronizer(DatabaseClock clock, ScheduledExecutorService scheduler, Duration interval) {
		Assert.notNull(clock, "'clock' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.isTrue(!interval.isNegative() && !interval.isZero(), "'interval' must be positive");
		this.clock = clock;
		this.scheduler = scheduler;
		this.interval = interval;
	}

	/**
	 * Returns the clock this synchroniser keeps in step with the database.
	 * @return the clock
	 */
	public DatabaseClock clock() {
		return this.clock;
	}

	@Override
	public synchronized void start() {
		if (this.synchronizations != null) {
			return;
		}
		if (!this.clock.synchronize()) {
			logger.warn(() -> "Could not read the database's clock at start-up; using this instance's clock until "
					+ "the database can be reached");
		}
		long millis = this.interval.toMillis();
		this.synchronizations = this.scheduler.scheduleWithFixedDelay(this::synchronizeNow, millis, millis,
				TimeUnit.MILLISECONDS);
	}

	private void synchronizeNow() {
		try {
			this.clock.synchronize();
		}
		catch (RuntimeException ex) {
			// A periodic task that throws is never run again: keep synchronising.
			logger.warn(ex, "Could not synchronise with the database's clock");
		}
	}

	@Override
	public synchronized void stop() {
		if (this.synchronizations != null) {
			this.synchronizations.cancel(false);
			this.synchronizations = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.synchronizations != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
