package dev.backgroundjobs.test.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.BackgroundJobsDataSource;
import dev.backgroundjobs.autoconfigure.BackgroundJobsAutoConfiguration;
import dev.backgroundjobs.autoconfigure.BackgroundJobsProperties;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcTimerShift;
import dev.backgroundjobs.schedule.CronTicker;
import dev.backgroundjobs.engine.EngineSettings;
import dev.backgroundjobs.schedule.DueWorkPoller;
import dev.backgroundjobs.schedule.TimerOffset;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import dev.backgroundjobs.test.runs.TestRuns;
import dev.backgroundjobs.test.time.TestClock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.util.Assert;

/**
 * Test support for an application that runs the engine: {@link TestRuns} to await runs,
 * and a {@link TestClock} with the {@link TimerOffset} the engine's timers follow. Active
 * wherever {@code background-jobs-test} is on the classpath, which is meant to be in
 * tests only; until a test advances it, the offset is zero and the timers read the
 * database's clock as always.
 */
@AutoConfiguration(after = BackgroundJobsAutoConfiguration.class)
@ConditionalOnBean({ RunStore.class, StepStore.class })
public final class BackgroundJobsTestAutoConfiguration {

	BackgroundJobsTestAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	TestRuns backgroundJobsTestRuns(RunStore runs, StepStore steps) {
		return new TestRuns(runs, steps);
	}

	@Bean
	@ConditionalOnMissingBean
	TimerOffset backgroundJobsTimerOffset() {
		return new TimerOffset();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ EngineSettings.class, DatabaseDialect.class, CronTicker.class, DueWorkPoller.class })
	TestClock backgroundJobsTestClock(TimerOffset offset, EngineSettings settings, DatabaseDialect dialect,
			@BackgroundJobsDataSource ObjectProvider<DataSource> qualifiedDataSource,
			ObjectProvider<DataSource> dataSources, CronTicker cronTicker, DueWorkPoller dueWork,
			BackgroundJobsProperties properties) {
		// The engine's tables are in the same DataSource its stores use.
		DataSource dataSource = qualifiedDataSource.getIfAvailable(dataSources::getIfUnique);
		Assert.state(dataSource != null, "No single, primary or @BackgroundJobsDataSource DataSource");
		return new TestClock(settings.clock(), offset, new JdbcTimerShift(dataSource, dialect), cronTicker, dueWork,
				properties.getLease().getDuration().dividedBy(4));
	}

}
