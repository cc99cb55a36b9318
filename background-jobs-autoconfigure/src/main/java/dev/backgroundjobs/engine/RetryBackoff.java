package dev.backgroundjobs.engine;

import java.time.Duration;

import io.github.resilience4j.core.IntervalFunction;

import org.springframework.util.Assert;

/**
 * Exponential backoff with jitter between attempts, such as the dispatches of a run whose
 * execution was abandoned on an infrastructure failure. The backoff of failing steps is
 * their {@link dev.backgroundjobs.RetryPolicy}.
 */
public final class RetryBackoff {

	private final IntervalFunction intervals;

	/**
	 * Creates a backoff.
	 * @param initialInterval the wait after the first failure
	 * @param multiplier the factor applied to each further wait
	 * @param maxInterval the longest wait
	 * @param jitter the randomisation factor, from 0 (none) to below 1
	 */
	public RetryBackoff(Duration initialInterval, double multiplier, Duration maxInterval, double jitter) {
		Assert.isTrue(!initialInterval.isNegative() && !initialInterval.isZero(), "'initialInterval' must be positive");
		Assert.isTrue(multiplier >= 1, "'multiplier' must be at least 1");
		Assert.isTrue(jitter >= 0 && jitter < 1, "'jitter' must be between 0 and 1");
		this.intervals = (jitter > 0)
				? IntervalFunction.ofExponentialRandomBackoff(initialInterval, multiplier, jitter, maxInterval)
				: IntervalFunction.ofExponentialBackoff(initialInterval, multiplier, maxInterval);
	}

	/**
	 * Returns how long to wait after the given failed attempt.
	 * @param failedAttempts how many attempts have failed so far, at least 1
	 * @return the wait
	 */
	public Duration delayAfter(int failedAttempts) {
		return Duration.ofMillis(this.intervals.apply(Math.max(1, failedAttempts)));
	}

}
