package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.dashboard.CsrfTokens;
import dev.backgroundjobs.dashboard.DashboardActions;
import dev.backgroundjobs.dashboard.DashboardApi;
import dev.backgroundjobs.dashboard.DashboardPages;
import dev.backgroundjobs.dashboard.DashboardSettings;
import dev.backgroundjobs.dashboard.SpringSecurityCsrfTokens;
import dev.backgroundjobs.store.RunInsights;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link BackgroundJobsDashboardAutoConfiguration}.
 */
class BackgroundJobsDashboardAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
				BackgroundJobsEndpointAutoConfiguration.class, BackgroundJobsDashboardAutoConfiguration.class))
		.withUserConfiguration(DashboardEngineConfiguration.class);

	@Test
	void dashboardIsOffByDefault() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(DashboardApi.class)
			.doesNotHaveBean(DashboardActions.class)
			.doesNotHaveBean(DashboardPages.class));
	}

	@Test
	void dashboardIsServedAtItsDefaultPathWithWritesWhenEnabled() {
		this.contextRunner.withPropertyValues("background-jobs.dashboard.enabled=true").run((context) -> {
			assertThat(context).hasSingleBean(DashboardApi.class)
				.hasSingleBean(DashboardActions.class)
				.hasSingleBean(DashboardPages.class);
			DashboardSettings settings = context.getBean(DashboardSettings.class);
			assertThat(settings.path()).isEqualTo("/background-jobs");
			assertThat(settings.writable()).isTrue();
			assertThat(settings.sendEvents()).isFalse();
			assertThat(settings.traceUrl()).isNull();
			assertThat(context.getBean(CsrfTokens.class)).isInstanceOf(SpringSecurityCsrfTokens.class);
		});
	}

	@Test
	void dashboardWorksWithoutTheEndpointBeingExposed() {
		this.contextRunner.withPropertyValues("background-jobs.dashboard.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(DashboardApi.class));
	}

	@Test
	void readOnlyAccessToTheJobsEndpointMakesTheDashboardReadOnly() {
		this.contextRunner
			.withPropertyValues("background-jobs.dashboard.enabled=true", "management.endpoint.jobs.access=READ_ONLY")
			.run((context) -> assertThat(context.getBean(DashboardSettings.class).writable()).isFalse());
	}

	@Test
	void settingsAreBoundFromTheirProperties() {
		this.contextRunner
			.withPropertyValues("background-jobs.dashboard.enabled=true", "background-jobs.dashboard.path=/ops/jobs",
					"background-jobs.dashboard.send-events=true",
					"background-jobs.dashboard.trace-url=http://tracing/trace/{traceId}",
					"background-jobs.dashboard.refresh-interval=2s")
			.run((context) -> assertThat(context.getBean(DashboardSettings.class)).satisfies((settings) -> {
				assertThat(settings.path()).isEqualTo("/ops/jobs");
				assertThat(settings.sendEvents()).isTrue();
				assertThat(settings.traceUrl()).isEqualTo("http://tracing/trace/{traceId}");
				assertThat(settings.refreshInterval()).hasSeconds(2);
			}));
	}

	@Test
	void pathEndingWithASlashFailsTheStartup() {
		this.contextRunner
			.withPropertyValues("background-jobs.dashboard.enabled=true", "background-jobs.dashboard.path=/jobs/")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("must start with '/', not end with '/'"));
	}

	@Test
	void traceUrlWithoutTheTraceIdFailsTheStartup() {
		this.contextRunner
			.withPropertyValues("background-jobs.dashboard.enabled=true",
					"background-jobs.dashboard.trace-url=http://tracing/trace")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("must contain '{traceId}'"));
	}

	@Test
	void dashboardHasNoCsrfTokensWithoutSpringSecurity() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.security"))
			.withPropertyValues("background-jobs.dashboard.enabled=true")
			.run((context) -> assertThat(context.getBean(CsrfTokens.class)).isSameAs(CsrfTokens.NONE));
	}

	@Test
	void dashboardIsNotServedOutsideAWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BackgroundJobsDashboardAutoConfiguration.class))
			.withUserConfiguration(DashboardEngineConfiguration.class)
			.withPropertyValues("background-jobs.dashboard.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(DashboardApi.class));
	}

	@Configuration(proxyBeanMethods = false)
	@Import(BackgroundJobsEndpointAutoConfigurationTests.EngineConfiguration.class)
	static class DashboardEngineConfiguration {

		@Bean
		RunInsights runInsights() {
			return mock(RunInsights.class);
		}

		@Bean
		EventPublisher eventPublisher() {
			return mock(EventPublisher.class);
		}

		@Bean
		DeadLetterOperations deadLetterOperations() {
			return mock(DeadLetterOperations.class);
		}

	}

}
