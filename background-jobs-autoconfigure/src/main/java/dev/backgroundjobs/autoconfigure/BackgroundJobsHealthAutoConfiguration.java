package dev.backgroundjobs.autoconfigure;

import java.time.Clock;

import dev.backgroundjobs.actuate.BackgroundJobsHealthIndicator;
import dev.backgroundjobs.engine.EngineSettings;
import dev.backgroundjobs.kafka.BrokerConnectivity;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.OutboxStore;
import dev.backgroundjobs.store.RunStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code jobs} health contributor: DOWN when the database or the Kafka cluster cannot
 * be reached. Disable it with {@code management.health.jobs.enabled=false}.
 */
@AutoConfiguration(after = BackgroundJobsAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean({ RunStore.class, DeadLetterStore.class, BrokerConnectivity.class })
@ConditionalOnEnabledHealthIndicator("jobs")
public final class BackgroundJobsHealthAutoConfiguration {

	BackgroundJobsHealthAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "jobsHealthIndicator")
	BackgroundJobsHealthIndicator jobsHealthIndicator(RunStore runStore, DeadLetterStore deadLetterStore,
			BrokerConnectivity broker, ObjectProvider<EngineSettings> engine, ObjectProvider<Clock> clock,
			ObjectProvider<OutboxStore> outboxStore) {
		BackgroundJobsHealthIndicator indicator = new BackgroundJobsHealthIndicator(runStore, deadLetterStore, broker,
				databaseClock(engine, clock));
		indicator.setOutboxStore(outboxStore.getIfAvailable());
		return indicator;
	}

	/**
	 * Returns the engine's clock, which follows the database's time, so that ages of runs
	 * (stored in database time) are right whatever this JVM's clock says.
	 */
	static Clock databaseClock(ObjectProvider<EngineSettings> engine, ObjectProvider<Clock> clock) {
		EngineSettings settings = engine.getIfUnique();
		return (settings != null) ? settings.clock() : clock.getIfUnique(Clock::systemUTC);
	}

}
