package dev.backgroundjobs.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A UTC clock that stands still until a test moves it.
 */
public final class SettableClock extends Clock {

	private volatile Instant now;

	/**
	 * Creates a clock at an instant.
	 * @param now the instant it shows until moved
	 */
	public SettableClock(Instant now) {
		this.now = now;
	}

	/**
	 * Moves the clock forward.
	 * @param duration how far
	 */
	public void advance(Duration duration) {
		this.now = this.now.plus(duration);
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException();
	}

	@Override
	public Instant instant() {
		return this.now;
	}

}
