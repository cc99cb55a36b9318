package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

import org.springframework.util.Assert;

/**
 * The clock of the engine's timers (sleeps, wait timeouts, retry wake-ups and cron ticks)
 * when they may run ahead of the database's clock: a base clock, the
 * {@link DatabaseClock}, plus a {@link TimerOffset}.
 * <p>
 * The engine uses it only when the application context holds a {@link TimerOffset}, which
 * only tests put there, and then for everything it computes in Java except leases: lease
 * expiry is compared with the database's real time, so moving timers forward never
 * expires a lease or lets a live run be taken over. Wake times and wait deadlines stored
 * in the database stay in real database time; whoever advances the offset moves them
 * earlier by the same amount, which keeps every timer due at the same moment of this
 * clock.
 */
public final class TimerClock extends Clock {

	private final Clock base;

	private final TimerOffset offset;

	/**
	 * Creates a clock that runs ahead of its base by an offset.
	 * @param base the clock it runs ahead of
	 * @param offset how far ahead
	 */
	public TimerClock(Clock base, TimerOffset offset) {
		Assert.notNull(base, "'base' must not be null");
		Assert.notNull(offset, "'offset' must not be null");
		this.base = base;
		this.offset = offset;
	}

	@Override
	public Instant instant() {
		return this.base.instant().plusNanos(this.offset.nanos());
	}

	@Override
	public ZoneId getZone() {
		return this.base.getZone();
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return new TimerClock(this.base.withZone(zone), this.offset);
	}

}
