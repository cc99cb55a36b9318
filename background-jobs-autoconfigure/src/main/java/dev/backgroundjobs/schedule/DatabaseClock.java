package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

import dev.backgroundjobs.store.DatabaseTime;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * A clock that follows the database's time: the instant of a base clock (the JVM's, or
 * one the application injects) plus the measured offset between the two.
 * <p>
 * Leases, wake times and wait timeouts are written in database time by the stores' SQL;
 * cron ticks, the wake time of {@code step.sleep} and {@code step.sleepUntil}, and the
 * end of a wait are computed in Java and compared with them. Reading them all from this
 * clock keeps an instance whose own clock is minutes off in step with the others: every
 * instance agrees with the one database. Measuring an offset once and adding it, rather
 * than querying the database for every reading, keeps {@link #instant()} free and
 * callable during a database outage; the offset is refreshed periodically (see
 * {@link DatabaseClockSynchronizer}), so drift and a stepped JVM clock are corrected
 * within one interval.
 * <p>
 * Each {@link #synchronize() synchronisation} takes a few readings and keeps the one with
 * the shortest round trip, taking the database's reading to have been made at the round
 * trip's midpoint, so the error is at most half that round trip. Until the first
 * synchronisation succeeds, the clock reads as its base clock.
 */
public final class DatabaseClock extends Clock {

	private static final LogAccessor logger = new LogAccessor(DatabaseClock.class);

	private static final int READINGS = 3;

	private final Clock base;

	private final DatabaseTime database;

	private final AtomicLong offsetNanos;

	/**
	 * Creates a clock that reads as its base clock until it is synchronised.
	 * @param base the clock whose readings are corrected
	 * @param database reads the database's time
	 */
	public DatabaseClock(Clock base, DatabaseTime database) {
		this(base, database, new AtomicLong());
	}

	private DatabaseClock(Clock base, DatabaseTime database, AtomicLong offsetNanos) {
		Assert.notNull(base, "'base' must not be null");
		Assert.notNull(database, "'database' must not be null");
		this.base = base;
		this.database = database;
		this.offsetNanos = offsetNanos;
	}

	/**
	 * Measures the offset between the base clock and the database's clock again.
	 * @return whether the database could be read; if not, the previous offset is kept
	 */
	public boolean synchronize() {
		Duration bestRoundTrip = null;
		Duration bestOffset = null;
		try {
			for (int i = 0; i < READINGS; i++) {
				Instant sent = this.base.instant();
				Instant database = this.database.now();
				Instant received = this.base.instant();
				Duration roundTrip = Duration.between(sent, received);
				if (bestRoundTrip == null || roundTrip.compareTo(bestRoundTrip) < 0) {
					Instant midpoint = sent.plus(roundTrip.dividedBy(2));
					bestRoundTrip = roundTrip;
					bestOffset = Duration.between(midpoint, database);
				}
			}
		}
		catch (RuntimeException ex) {
			if (bestOffset == null) {
				logger.debug(ex, "Could not read the database's clock; keeping the previous offset");
				return false;
			}
		}
		Duration offset = bestOffset;
		long previous = this.offsetNanos.getAndSet(offset.toNanos());
		if (Math.abs(previous - offset.toNanos()) > Duration.ofSeconds(1).toNanos()) {
			logger.info(() -> "The database's clock differs from this instance's by " + offset.toMillis()
					+ " ms; background-jobs follows the database's");
		}
		return true;
	}

	/**
	 * Returns how far the database's clock is ahead of the base clock, as last measured.
	 * @return the offset, negative if the database's clock is behind
	 */
	public Duration offset() {
		return Duration.ofNanos(this.offsetNanos.get());
	}

	@Override
	public Instant instant() {
		return this.base.instant().plusNanos(this.offsetNanos.get());
	}

	@Override
	public ZoneId getZone() {
		return this.base.getZone();
	}

	@Override
	public Clock withZone(ZoneId zone) {
		// Shares the offset, so that both follow every synchronisation.
		return new DatabaseClock(this.base.withZone(zone), this.database, this.offsetNanos);
	}

}
