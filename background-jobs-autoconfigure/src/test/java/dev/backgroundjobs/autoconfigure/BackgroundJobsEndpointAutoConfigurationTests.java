package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.actuate.JobsEndpointWebExtension;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link BackgroundJobsEndpointAutoConfiguration}.
 */
class BackgroundJobsEndpointAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BackgroundJobsEndpointAutoConfiguration.class))
		.withUserConfiguration(EngineConfiguration.class);

	@Test
	void endpointAndWebExtensionAreAutoConfiguredWhenExposedOverTheWeb() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context).hasSingleBean(JobsEndpoint.class)
				.hasSingleBean(JobsEndpointWebExtension.class));
	}

	@Test
	void valuesAreShownWhenAuthorizedByDefault() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context.getBean(JobsEndpointProperties.class)).satisfies((properties) -> {
				assertThat(properties.getShowValues()).isEqualTo(Show.WHEN_AUTHORIZED);
				assertThat(properties.getRoles()).isEmpty();
			}));
	}

	@Test
	void showValuesAndRolesAreBoundFromManagementEndpointJobs() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=jobs",
					"management.endpoint.jobs.show-values=never", "management.endpoint.jobs.roles=OPERATOR,ADMIN")
			.run((context) -> assertThat(context.getBean(JobsEndpointProperties.class)).satisfies((properties) -> {
				assertThat(properties.getShowValues()).isEqualTo(Show.NEVER);
				assertThat(properties.getRoles()).containsExactly("OPERATOR", "ADMIN");
			}));
	}

	@Test
	void endpointIsNotAutoConfiguredWhenNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(JobsEndpoint.class)
			.doesNotHaveBean(JobsEndpointWebExtension.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWhenItsAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=jobs",
					"management.endpoint.jobs.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(JobsEndpoint.class)
				.doesNotHaveBean(JobsEndpointWebExtension.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWhenDisabled() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=jobs",
					"management.endpoint.jobs.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(JobsEndpoint.class));
	}

	@Test
	void endpointIsAutoConfiguredWithReadOnlyAccess() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=jobs",
					"management.endpoint.jobs.access=READ_ONLY")
			.run((context) -> assertThat(context).hasSingleBean(JobsEndpoint.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWithoutActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.withPropertyValues("management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context).doesNotHaveBean(JobsEndpoint.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWithoutTheEngine() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BackgroundJobsEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(JobsEndpoint.class));
	}

	@Test
	void webExtensionIsNotAutoConfiguredWhenOnlyExposedOverJmx() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=info", "spring.jmx.enabled=true",
					"management.endpoints.jmx.exposure.include=jobs")
			.run((context) -> assertThat(context).hasSingleBean(JobsEndpoint.class)
				.doesNotHaveBean(JobsEndpointWebExtension.class));
	}

	@Test
	void endpointBacksOffWhenTheApplicationDefinesOne() {
		this.contextRunner.withUserConfiguration(CustomEndpointConfiguration.class)
			.withPropertyValues("management.endpoints.web.exposure.include=jobs")
			.run((context) -> assertThat(context).hasSingleBean(JobsEndpoint.class)
				.hasBean("customJobsEndpoint")
				.hasSingleBean(JobsEndpointWebExtension.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class EngineConfiguration {

		@Bean
		FunctionRegistry functionRegistry() {
			return new FunctionRegistry();
		}

		@Bean
		RunStore runStore() {
			return mock(RunStore.class);
		}

		@Bean
		StepStore stepStore() {
			return mock(StepStore.class);
		}

		@Bean
		DeadLetterStore deadLetterStore() {
			return mock(DeadLetterStore.class);
		}

		@Bean
		RunOperations runOperations() {
			return mock(RunOperations.class);
		}

		@Bean
		PayloadCodec payloadCodec() {
			return new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1));
		}

		@Bean
		EventWaitStore eventWaitStore() {
			return mock(EventWaitStore.class);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomEndpointConfiguration {

		@Bean
		JobsEndpoint customJobsEndpoint(FunctionRegistry functions, RunStore runStore, StepStore stepStore,
				DeadLetterStore deadLetterStore, RunOperations runOperations, PayloadCodec codec,
				EventWaitStore waits) {
			return new JobsEndpoint(functions, runStore, stepStore, deadLetterStore, runOperations, codec, waits);
		}

	}

}
