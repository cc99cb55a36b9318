package dev.backgroundjobs.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcRetentionStore;
import dev.backgroundjobs.schedule.RetentionCleaner;
import dev.backgroundjobs.store.RetentionStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BackgroundJobsRetentionProperties} and the retention beans of
 * {@link BackgroundJobsRetentionConfiguration}.
 */
class BackgroundJobsRetentionPropertiesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(Database.class, BackgroundJobsRetentionConfiguration.class);

	@Test
	void defaultsKeepCompletedRunsAWeekAndFailuresAMonth() {
		BackgroundJobsRetentionProperties properties = new BackgroundJobsRetentionProperties();
		assertThat(properties.isEnabled()).isTrue();
		assertThat(properties.getCompletedRuns()).isEqualTo(Duration.ofDays(7));
		assertThat(properties.getFailedRuns()).isEqualTo(Duration.ofDays(30));
		assertThat(properties.getBatchSize()).isEqualTo(500);
		assertThat(properties.getInterval()).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void agesWithoutAUnitAreDaysAndTheCleanerRunsWithThem() {
		this.contextRunner
			.withPropertyValues("background-jobs.retention.completed-runs=3",
					"background-jobs.retention.failed-runs=90")
			.run((context) -> {
				BackgroundJobsRetentionProperties properties = context.getBean(BackgroundJobsRetentionProperties.class);
				assertThat(properties.getCompletedRuns()).isEqualTo(Duration.ofDays(3));
				assertThat(properties.getFailedRuns()).isEqualTo(Duration.ofDays(90));
				assertThat(context).hasSingleBean(RetentionCleaner.class).hasSingleBean(RetentionStore.class);
			});
	}

	@Test
	void disabledRetentionRunsNoCleaner() {
		this.contextRunner.withPropertyValues("background-jobs.retention.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RetentionCleaner.class));
	}

	@Test
	void theLargestBatchSizeIsTheStoresLargest() {
		assertThat(BackgroundJobsRetentionProperties.MAX_BATCH_SIZE).isEqualTo(JdbcRetentionStore.MAX_BATCH_SIZE);
	}

	@Test
	void aZeroAgeFailsStartUpNamingTheProperty() {
		this.contextRunner.withPropertyValues("background-jobs.retention.completed-runs=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("background-jobs.retention.completed-runs must be positive"));
	}

	@Test
	void batchSizeAboveTheLimitFailsStartUp() {
		this.contextRunner.withPropertyValues("background-jobs.retention.batch-size=5000")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("background-jobs.retention.batch-size"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(BackgroundJobsRetentionProperties.class)
	static class Database {

		@Bean
		DataSource dataSource() {
			return TestDatabases.h2();
		}

		@Bean
		RetentionStore retentionStore(DataSource dataSource) {
			return new JdbcRetentionStore(dataSource, DatabaseDialect.H2);
		}

	}

}
