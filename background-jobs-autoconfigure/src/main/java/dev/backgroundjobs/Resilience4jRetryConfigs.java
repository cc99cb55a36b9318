package dev.backgroundjobs;

import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.RetryConfig;

/**
 * Reads a resilience4j {@link RetryConfig}, kept apart from {@link RetryPolicy} so that
 * the policy loads without resilience4j-retry on the class path.
 */
final class Resilience4jRetryConfigs {

	private Resilience4jRetryConfigs() {
	}

	static RetryPolicy toPolicy(RetryConfig config, String source) {
		IntervalBiFunction<Object> intervals = config.getIntervalBiFunction();
		return RetryPolicy.ofResilience4j(config.getMaxAttempts(),
				(attempt, failure) -> intervals.apply(attempt, Either.left(failure)), config.getExceptionPredicate(),
				source);
	}

}
