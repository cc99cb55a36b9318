package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.util.Assert;

/**
 * How far the engine's timers (sleeps, wait timeouts, retry wake-ups and cron ticks) run
 * ahead of the database's clock; only tests move it, through the {@link TimerClock} the
 * engine builds on it when an application context holds one.
 */
public final class TimerOffset {

	private final AtomicLong nanos = new AtomicLong();

	/**
	 * Moves the timers forward.
	 * @param duration how far; must not be negative
	 */
	public void advance(Duration duration) {
		Assert.notNull(duration, "'duration' must not be null");
		Assert.isTrue(!duration.isNegative(), () -> "'duration' must not be negative, but was " + duration);
		this.nanos.addAndGet(duration.toNanos());
	}

	/**
	 * Returns how far the timers run ahead of the database's clock.
	 * @return the total of every advance
	 */
	public Duration get() {
		return Duration.ofNanos(this.nanos.get());
	}

	long nanos() {
		return this.nanos.get();
	}

}
