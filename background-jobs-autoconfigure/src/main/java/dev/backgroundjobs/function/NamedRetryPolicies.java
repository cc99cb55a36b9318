package dev.backgroundjobs.function;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RetryPolicy;

/**
 * Finds the retry policy named by {@link EventHandler.Retry#config()}, for example in a
 * resilience4j {@code RetryRegistry}.
 */
@FunctionalInterface
public interface NamedRetryPolicies {

	/**
	 * Policies when none can be named: each lookup fails, saying what is missing.
	 */
	NamedRetryPolicies NONE = (name) -> {
		throw new IllegalArgumentException("no resilience4j RetryRegistry bean is available to look it up; add "
				+ "io.github.resilience4j:resilience4j-spring-boot3 and configure " + "resilience4j.retry.instances."
				+ name + ", or remove 'config'");
	};

	/**
	 * Returns the policy of a name.
	 * @param name the name
	 * @return the policy
	 * @throws IllegalArgumentException if there is none, with a message that completes
	 * "attribute 'retry.config' is '<name>', but ..."
	 */
	RetryPolicy find(String name);

}
