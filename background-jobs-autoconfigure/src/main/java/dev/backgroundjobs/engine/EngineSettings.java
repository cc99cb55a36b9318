package dev.backgroundjobs.engine;

import java.time.Clock;
import java.time.Duration;

import org.springframework.util.Assert;

/**
 * Settings of the run engine.
 *
 * @param parkThreshold backoffs of failing steps and handlers (whose policies are the
 * functions') longer than this park the run in the database and free the worker; shorter
 * ones wait on the worker
 * @param infrastructureBackoff waits before a run is dispatched again after its execution
 * was abandoned (the database or the broker unreachable) or ended with an unexpected
 * failure, growing with each consecutive one; does not spend the run's retries
 * @param clock the clock for step timings
 */
public record EngineSettings(Duration parkThreshold, RetryBackoff infrastructureBackoff, Clock clock) {

	/**
	 * Creates settings, checking them.
	 * @param parkThreshold the park threshold
	 * @param infrastructureBackoff the infrastructure backoff
	 * @param clock the clock
	 */
	public EngineSettings {
		Assert.isTrue(!parkThreshold.isNegative(), "'parkThreshold' must not be negative");
		Assert.notNull(infrastructureBackoff, "'infrastructureBackoff' must not be null");
		Assert.notNull(clock, "'clock' must not be null");
	}

}
