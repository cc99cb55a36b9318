package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.Map;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RetryPolicy;

import org.springframework.util.Assert;

/**
 * What the retry policy of each function is resolved against: the application's defaults,
 * the policies configured per function, and the named policies
 * {@link EventHandler.Retry#config()} refers to.
 *
 * @param defaults the policy of functions that set nothing, complete
 * ({@code background-jobs.retry.*})
 * @param overrides policies by function id that override what the annotation sets
 * ({@code background-jobs.functions.<id>.retry.*})
 * @param named the named policies
 */
public record FunctionRetrySettings(RetryPolicy defaults, Map<String, RetryPolicy> overrides,
		NamedRetryPolicies named) {

	/**
	 * Creates settings, checking that the defaults are complete.
	 * @param defaults the defaults
	 * @param overrides the overrides by function id
	 * @param named the named policies
	 */
	public FunctionRetrySettings {
		Assert.isTrue(defaults.maxAttempts().isPresent(), "'defaults' must set the attempts");
		overrides = Map.copyOf(overrides);
	}

	/**
	 * Returns settings with a number of retries, the default backoff, and no overrides or
	 * named policies.
	 * @param retries the retries after the first attempt
	 * @return the settings
	 */
	public static FunctionRetrySettings of(int retries) {
		Assert.isTrue(retries >= 0, "'retries' must not be negative");
		return new FunctionRetrySettings(RetryPolicy.attempts(retries + 1)
			.backoff(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(10))
			.jitter(0.5), Map.of(), NamedRetryPolicies.NONE);
	}

}
