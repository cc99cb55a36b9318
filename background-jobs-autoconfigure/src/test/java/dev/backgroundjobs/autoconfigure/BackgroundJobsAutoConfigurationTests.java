package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.function.FunctionRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.init.DatabaseInitializationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.kafka.core.KafkaTemplate;

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
	void withoutADataSourceTheStarterBacksOff() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(EventPublisher.class)
			.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withTwoDataSourcesAndNoPrimaryTheStarterBacksOff() {
		this.contextRunner.withUserConfiguration(TwoDataSources.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutKafkaOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutTheKafkaClientsOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaProducer.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutSpringBootsKafkaSupportOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaConnectionDetails.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void withoutSpringBootsJdbcSupportOnTheClasspathTheStarterBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(DatabaseInitializationProperties.class))
			.withUserConfiguration(OneDataSource.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(EventPublisher.class)
				.doesNotHaveBean(FunctionRegistry.class));
	}

	@Test
	void enabledIsTheDefault() {
		assertThat(new BackgroundJobsProperties().isEnabled()).isTrue();
	}

	@Configuration(proxyBeanMethods = false)
	static class OneDataSource {

		@Bean
		DataSource dataSource() {
			return new DriverManagerDataSource("jdbc:h2:mem:one");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwoDataSources {

		@Bean
		DataSource first() {
			return new DriverManagerDataSource("jdbc:h2:mem:first");
		}

		@Bean
		DataSource second() {
			return new DriverManagerDataSource("jdbc:h2:mem:second");
		}

	}

}
