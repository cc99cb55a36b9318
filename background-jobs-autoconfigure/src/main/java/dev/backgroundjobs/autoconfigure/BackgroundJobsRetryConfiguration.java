package dev.backgroundjobs.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.function.FunctionRetrySettings;
import dev.backgroundjobs.function.NamedRetryPolicies;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Retry policies of functions: the defaults and per-function overrides from
 * {@link BackgroundJobsProperties}, and, with resilience4j-retry on the class path, the
 * named policies of the application's {@link RetryRegistry}.
 */
@Configuration(proxyBeanMethods = false)
class BackgroundJobsRetryConfiguration {

	/**
	 * Returns what function retry policies are resolved against.
	 * @param properties the properties
	 * @param named the named policies, if resilience4j-retry is present
	 * @return the settings
	 */
	static FunctionRetrySettings retrySettings(BackgroundJobsProperties properties,
			ObjectProvider<NamedRetryPolicies> named) {
		BackgroundJobsProperties.Retry retry = properties.getRetry();
		// A first wait set above the default cap (initial-interval=1h alone) raises the
		// cap.
		Duration maxInterval = (retry.getMaxInterval().compareTo(retry.getInitialInterval()) < 0)
				? retry.getInitialInterval() : retry.getMaxInterval();
		RetryPolicy defaults = RetryPolicy.attempts(retry.getMaxRetries() + 1)
			.backoff(retry.getInitialInterval(), retry.getMultiplier(), maxInterval)
			.jitter(retry.getJitter());
		Map<String, RetryPolicy> overrides = properties.getFunctions()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().getRetry().isSet())
			.collect(Collectors.toMap(Map.Entry::getKey, (entry) -> override(entry.getValue().getRetry())));
		return new FunctionRetrySettings(defaults, overrides, named.getIfAvailable(() -> NamedRetryPolicies.NONE));
	}

	private static RetryPolicy override(BackgroundJobsProperties.FunctionRetry retry) {
		Integer maxRetries = retry.getMaxRetries();
		RetryPolicy policy = (maxRetries != null) ? RetryPolicy.attempts(maxRetries + 1) : RetryPolicy.defaults();
		if (retry.getInitialInterval() != null) {
			policy = policy.initialInterval(retry.getInitialInterval());
		}
		if (retry.getMultiplier() != null) {
			policy = policy.multiplier(retry.getMultiplier());
		}
		if (retry.getMaxInterval() != null) {
			policy = policy.maxInterval(retry.getMaxInterval());
		}
		if (retry.getJitter() != null) {
			policy = policy.jitter(retry.getJitter());
		}
		return policy;
	}

	/**
	 * Named policies from resilience4j's registry, looked up when the functions are
	 * registered, after every singleton exists.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RetryRegistry.class)
	static class Resilience4jRetryConfiguration {

		@Bean
		@ConditionalOnMissingBean
		NamedRetryPolicies backgroundJobsNamedRetryPolicies(ObjectProvider<RetryRegistry> registry) {
			return (name) -> {
				RetryRegistry retries = registry.getIfUnique();
				if (retries == null) {
					return NamedRetryPolicies.NONE.find(name);
				}
				RetryConfig config = retries.find(name)
					.map(Retry::getRetryConfig)
					.or(() -> retries.getConfiguration(name))
					.orElseThrow(() -> new IllegalArgumentException("the RetryRegistry has no retry instance or "
							+ "configuration of that name (instances: " + instanceNames(retries) + ")"));
				return RetryPolicy.from(config);
			};
		}

		private static String instanceNames(RetryRegistry registry) {
			return String.join(", ",
					registry.getAllRetries()
						.stream()
						.map(Retry::getName)
						.collect(Collectors.toCollection(TreeSet::new)));
		}

	}

}
