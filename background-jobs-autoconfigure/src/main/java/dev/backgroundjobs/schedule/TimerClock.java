package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.util.Assert;

/**
 * The clock of the engine's timers (sleeps, wait timeouts, retry wake-ups and cron ticks)
 * when they may run ahead of the database's clock: a base clock, normally the
 * {@link DatabaseClock}, plus an offset that only grows.
 * <p>
 * An application has no such clock unless a test puts one in its context, and then the
 * engine uses it for everything it computes in Java except leases: lease expiry is
 * compared with the database's real time, so moving timers forward never expires a lease
 * or lets a live run be taken over. Wake times and wait deadlines stored in the database
 * stay in real database time; whoever {@link #advance advances} this clock moves them
 * earlier by the same amount, which keeps every timer due at the same virtual moment.
 */
public final class TimerClock extends Clock {

	private final Clock base;

	private final AtomicLong aheadNanos;

	/**
	 * Creates a clock that reads as its base until it is advanced.
	 * @param base the clock it runs ahead of
	 */
	public TimerClock(Clock base) {
		this(base, new AtomicLong());
	}

	private TimerClock(Clock base, AtomicLong aheadNanos) {
		Assert.notNull(base, "'base' must not be null");
		this.base = base;
		this.aheadNanos = aheadNanos;
	}

	/**
	 * Moves this clock forward.
	 * @param duration how far; must not be negative
	 */
	public void advance(Duration duration) {
		Assert.notNull(duration, "'duration' must not be null");
		Assert.isTrue(!duration.isNegative(), () -> "'duration' must not be negative, but was " + duration);
		this.aheadNanos.addAndGet(duration.toNanos());
	}

	/**
	 * Returns how far this clock runs ahead of its base.
	 * @return the total of every advance
	 */
	public Duration ahead() {
		return Duration.ofNanos(this.aheadNanos.get());
	}

	@Override
	public Instant instant() {
		return this.base.instant().plusNanos(this.aheadNanos.get());
	}

	@Override
	public ZoneId getZone() {
		return this.base.getZone();
	}

	@Override
	public Clock withZone(ZoneId zone) {
		// Shares the offset, so that both follow every advance.
		return new TimerClock(this.base.withZone(zone), this.aheadNanos);
	}

}
