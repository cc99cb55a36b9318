package dev.backgroundjobs.autoconfigure;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.function.FunctionRetrySettings;
import dev.backgroundjobs.function.NamedRetryPolicies;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link BackgroundJobsRetryConfiguration}.
 */
class BackgroundJobsRetryConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(BackgroundJobsRetryConfiguration.class);

	@Test
	void namedPolicyIsTheRetryInstanceOfTheRegistryCountingTheFirstAttempt() {
		this.contextRunner.withBean(RetryRegistry.class, BackgroundJobsRetryConfigurationTests::registry)
			.run((context) -> {
				RetryPolicy payments = context.getBean(NamedRetryPolicies.class).find("payments");
				assertThat(payments.maxAttempts()).hasValue(3);
				assertThat(payments.delayAfter(2, new IOException())).isEqualTo(Duration.ofMillis(1500));
				assertThat(payments.isRetryable(new IOException())).isTrue();
				assertThat(payments.isRetryable(new FileNotFoundException())).isFalse();
			});
	}

	@Test
	void namedPolicyMayBeASharedConfiguration() {
		this.contextRunner.withBean(RetryRegistry.class, BackgroundJobsRetryConfigurationTests::registry)
			.run((context) -> assertThat(context.getBean(NamedRetryPolicies.class).find("patient").maxAttempts())
				.hasValue(10));
	}

	@Test
	void unknownNameFailsListingTheInstances() {
		this.contextRunner.withBean(RetryRegistry.class, BackgroundJobsRetryConfigurationTests::registry)
			.run((context) -> assertThatIllegalArgumentException()
				.isThrownBy(() -> context.getBean(NamedRetryPolicies.class).find("paymnts"))
				.withMessage("the RetryRegistry has no retry instance or configuration of that name (instances: "
						+ "payments)"));
	}

	@Test
	void withoutARegistryTheLookupSaysWhatIsMissing() {
		this.contextRunner.run((context) -> assertThatIllegalArgumentException()
			.isThrownBy(() -> context.getBean(NamedRetryPolicies.class).find("payments"))
			.withMessageStartingWith("no resilience4j RetryRegistry bean is available to look it up"));
	}

	@Test
	void propertiesGiveTheDefaultsAndTheOverridesOfFunctions() {
		BackgroundJobsProperties properties = new BackgroundJobsProperties();
		properties.getRetry().setMaxRetries(2);
		properties.getRetry().setJitter(0);
		BackgroundJobsProperties.FunctionRetry override = properties.getFunctions()
			.computeIfAbsent("billing/sync", (id) -> new BackgroundJobsProperties.Function())
			.getRetry();
		override.setMaxRetries(6);
		override.setInitialInterval(Duration.ofSeconds(3));
		properties.getFunctions().put("untouched", new BackgroundJobsProperties.Function());
		FunctionRetrySettings settings = BackgroundJobsRetryConfiguration.retrySettings(properties,
				new StaticObjectProvider());
		assertThat(settings.defaults().maxAttempts()).hasValue(3);
		assertThat(settings.defaults().delayAfter(2, new IOException())).isEqualTo(Duration.ofSeconds(2));
		assertThat(settings.overrides()).containsOnlyKeys("billing/sync");
		RetryPolicy billing = settings.overrides().get("billing/sync").orElse(settings.defaults());
		assertThat(billing.maxAttempts()).hasValue(7);
		assertThat(billing.delayAfter(2, new IOException())).isEqualTo(Duration.ofSeconds(6));
	}

	@Test
	void anInitialIntervalAboveTheDefaultMaximumRaisesTheMaximum() {
		BackgroundJobsProperties properties = new BackgroundJobsProperties();
		properties.getRetry().setInitialInterval(Duration.ofHours(1));
		properties.getRetry().setJitter(0);
		FunctionRetrySettings settings = BackgroundJobsRetryConfiguration.retrySettings(properties,
				new StaticObjectProvider());
		assertThat(settings.defaults().delayAfter(1, new IOException())).isEqualTo(Duration.ofHours(1));
		assertThat(settings.defaults().delayAfter(4, new IOException())).isEqualTo(Duration.ofHours(1));
	}

	private static RetryRegistry registry() {
		RetryRegistry registry = RetryRegistry.of(Map.of("patient", RetryConfig.custom().maxAttempts(10).build()));
		registry.retry("payments",
				RetryConfig.custom()
					.maxAttempts(3)
					.waitDuration(Duration.ofMillis(1500))
					.retryExceptions(IOException.class)
					.ignoreExceptions(FileNotFoundException.class)
					.build());
		return registry;
	}

	/**
	 * Provides no named policies.
	 */
	private static final class StaticObjectProvider implements ObjectProvider<NamedRetryPolicies> {

		@Override
		public NamedRetryPolicies getObject() {
			return NamedRetryPolicies.NONE;
		}

		@Override
		public NamedRetryPolicies getObject(Object... args) {
			return NamedRetryPolicies.NONE;
		}

		@Override
		public NamedRetryPolicies getIfAvailable() {
			return null;
		}

		@Override
		public NamedRetryPolicies getIfUnique() {
			return null;
		}

	}

}
