package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcRetentionStore;
import dev.backgroundjobs.schedule.RetentionCleaner;
import dev.backgroundjobs.store.RetentionStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.Assert;

/**
 * Retention: the store that deletes finished runs and dead letters past their age, and
 * the loop that calls it on each instance unless
 * {@code background-jobs.retention.enabled=false}.
 */
@Configuration(proxyBeanMethods = false)
class BackgroundJobsRetentionConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RetentionStore backgroundJobsRetentionStore(DataSource dataSource, DatabaseDialect dialect) {
		return new JdbcRetentionStore(dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "background-jobs.retention.enabled", matchIfMissing = true)
	RetentionCleaner backgroundJobsRetentionCleaner(RetentionStore store, BackgroundJobsRetentionProperties properties,
			ObjectProvider<RetentionCleaner.Listener> listeners) {
		Assert.isTrue(properties.getBatchSize() >= 1 && properties.getBatchSize() <= JdbcRetentionStore.MAX_BATCH_SIZE,
				() -> "background-jobs.retention.batch-size must be between 1 and "
						+ JdbcRetentionStore.MAX_BATCH_SIZE);
		Assert.isTrue(
				isPositive(properties.getCompletedRuns()) && isPositive(properties.getFailedRuns())
						&& isPositive(properties.getInterval()),
				"background-jobs.retention.completed-runs, failed-runs and interval must be positive");
		return new RetentionCleaner(store, new RetentionCleaner.Settings(properties.getCompletedRuns(),
				properties.getFailedRuns(), properties.getBatchSize(), properties.getInterval()),
				listeners.orderedStream().toList());
	}

	private static boolean isPositive(java.time.Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

}
