package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.function.FunctionRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BackgroundJobsAutoConfiguration} and its switches, without a broker or
 * a database: each test asserts what is or is not created, not what runs.
 */
class BackgroundJobsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(BackgroundJobsAutoConfiguration.class, BackgroundJobsEndpointAutoConfiguration.class,
					BackgroundJobsHealthAutoConfiguration.class, BackgroundJobsMetricsAutoConfiguration.class));

	@Test
	void disabledStarterCreatesNoneOfItsBeans() {
		this.contextRunner
			.withPropertyValues("background-jobs.enabled=false", "management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class)
				.doesNotHaveBean(BackgroundJobsProperties.class)
				.doesNotHaveBean("backgroundJobsScheduler"));
	}

	@Test
	void enabledIsTheDefault() {
		assertThat(new BackgroundJobsProperties().isEnabled()).isTrue();
	}

}
