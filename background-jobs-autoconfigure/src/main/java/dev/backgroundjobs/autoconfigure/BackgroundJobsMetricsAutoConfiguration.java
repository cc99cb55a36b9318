package dev.backgroundjobs.autoconfigure;

import java.time.Clock;

import dev.backgroundjobs.actuate.OutboxMetrics;
import dev.backgroundjobs.actuate.RetentionMetrics;
import dev.backgroundjobs.actuate.RunCountGauges;
import dev.backgroundjobs.actuate.RunMetrics;
import dev.backgroundjobs.actuate.SkippedEventMetrics;
import dev.backgroundjobs.engine.EngineSettings;
import dev.backgroundjobs.outbox.OutboxRelay;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.OutboxStore;
import dev.backgroundjobs.store.RunStore;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer metrics of background-jobs: run and retry counters, counters of the rows
 * retention deleted, and gauges of runs by status and of dead letters. Run, step and
 * publish timers come from the engine's observations when Boot registers a meter
 * observation handler.
 */
@AutoConfiguration(after = BackgroundJobsAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, RunStore.class, DeadLetterStore.class })
public final class BackgroundJobsMetricsAutoConfiguration {

	BackgroundJobsMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	RunMetrics backgroundJobsRunMetrics(MeterRegistry registry) {
		return new RunMetrics(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	SkippedEventMetrics backgroundJobsSkippedEventMetrics(MeterRegistry registry) {
		return new SkippedEventMetrics(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	RetentionMetrics backgroundJobsRetentionMetrics(MeterRegistry registry) {
		return new RetentionMetrics(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	RunCountGauges backgroundJobsRunCountGauges(RunStore runStore, DeadLetterStore deadLetterStore,
			ObjectProvider<EngineSettings> engine, ObjectProvider<Clock> clock) {
		return new RunCountGauges(runStore, deadLetterStore,
				BackgroundJobsHealthAutoConfiguration.databaseClock(engine, clock));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ OutboxRelay.class, OutboxStore.class })
	OutboxMetrics backgroundJobsOutboxMetrics(MeterRegistry registry, OutboxStore store, OutboxRelay relay,
			ObjectProvider<EngineSettings> engine, ObjectProvider<Clock> clock) {
		OutboxMetrics metrics = new OutboxMetrics(registry, store,
				BackgroundJobsHealthAutoConfiguration.databaseClock(engine, clock));
		relay.setObserver(metrics);
		return metrics;
	}

}
