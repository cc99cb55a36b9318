package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.schedule.RetentionCleaner;
import dev.backgroundjobs.store.RetentionStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Retention: the loop that, on each instance, deletes finished runs and dead letters past
 * their age through the {@link RetentionStore}, unless
 * {@code background-jobs.retention.enabled=false}.
 */
@Configuration(proxyBeanMethods = false)
class BackgroundJobsRetentionConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "background-jobs.retention.enabled", matchIfMissing = true)
	RetentionCleaner backgroundJobsRetentionCleaner(RetentionStore store, BackgroundJobsRetentionProperties properties,
			ObjectProvider<RetentionCleaner.Listener> listeners) {
		return new RetentionCleaner(store, new RetentionCleaner.Settings(properties.getCompletedRuns(),
				properties.getFailedRuns(), properties.getBatchSize(), properties.getInterval()),
				listeners.orderedStream().toList());
	}

}
