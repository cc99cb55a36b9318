package dev.backgroundjobs.autoconfigure;

import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.BackgroundJobsDataSource;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the choice of the {@code DataSource} the starter keeps its tables in: the
 * single or primary one, or the one qualified with {@link BackgroundJobsDataSource}.
 * <p>
 * No broker is needed: topic creation is off and nothing is published.
 */
class BackgroundJobsJdbcConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, BackgroundJobsAutoConfiguration.class))
		.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1", "background-jobs.kafka.create-topics=false",
				"background-jobs.kafka.send-timeout=1s");

	@Test
	void tablesGoToTheQualifiedDataSourceRatherThanThePrimaryOne() {
		this.contextRunner.withUserConfiguration(PrimaryAndQualified.class).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(EventPublisher.class);
			assertThat(tables(context.getBean("jobs", DataSource.class))).contains("BJ_RUNS", "BJ_STEPS");
			assertThat(tables(context.getBean("application", DataSource.class))).doesNotContain("BJ_RUNS");
		});
	}

	@Test
	void aQualifiedDataSourceIsEnoughWhenNoneIsPrimary() {
		this.contextRunner.withUserConfiguration(NonPrimaryAndQualified.class).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(RunOperations.class);
			assertThat(tables(context.getBean("jobs", DataSource.class))).contains("BJ_RUNS");
			assertThat(tables(context.getBean("application", DataSource.class))).doesNotContain("BJ_RUNS");
		});
	}

	@Test
	void storesWriteToTheQualifiedDataSource() {
		this.contextRunner.withUserConfiguration(PrimaryAndQualified.class).run((context) -> {
			DataSource jobs = context.getBean("jobs", DataSource.class);
			assertThat(JdbcClient.create(jobs).sql("SELECT COUNT(*) FROM bj_runs").query(Long.class).single()).isZero();
			// The tables exist in the qualified database only: a store on the primary one
			// would fail here.
			assertThat(context.getBean(RunStore.class).countByStatus()).isEmpty();
		});
	}

	@Test
	void withoutAQualifierThePrimaryDataSourceIsUsed() {
		this.contextRunner.withUserConfiguration(PrimaryOnly.class).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(EventPublisher.class);
			assertThat(tables(context.getBean("application", DataSource.class))).contains("BJ_RUNS");
			assertThat(tables(context.getBean("other", DataSource.class))).doesNotContain("BJ_RUNS");
		});
	}

	private static List<String> tables(DataSource dataSource) {
		return JdbcClient.create(dataSource)
			.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'PUBLIC'")
			.query(String.class)
			.list();
	}

	@Configuration(proxyBeanMethods = false)
	static class PrimaryAndQualified {

		@Bean
		@Primary
		DataSource application() {
			return TestDatabases.h2();
		}

		@Bean
		@BackgroundJobsDataSource
		DataSource jobs() {
			return TestDatabases.h2();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NonPrimaryAndQualified {

		@Bean
		DataSource application() {
			return TestDatabases.h2();
		}

		@Bean
		@BackgroundJobsDataSource
		DataSource jobs() {
			return TestDatabases.h2();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrimaryOnly {

		@Bean
		@Primary
		DataSource application() {
			return TestDatabases.h2();
		}

		@Bean
		DataSource other() {
			return TestDatabases.h2();
		}

	}

}
