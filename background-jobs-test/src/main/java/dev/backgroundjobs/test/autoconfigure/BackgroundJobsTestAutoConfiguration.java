package dev.backgroundjobs.test.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.BackgroundJobsDataSource;
import dev.backgroundjobs.autoconfigure.BackgroundJobsAutoConfiguration;
import dev.backgroundjobs.autoconfigure.BackgroundJobsProperties;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcTimerShift;
import dev.backgroundjobs.schedule.CronTicker;
import dev.backgroundjobs.schedule.DatabaseClockSynchronizer;
import dev.backgroundjobs.schedule.DueWorkPoller;
import dev.backgroundjobs.schedule.TimerClock;
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
 * and a {@link TestClock} whose {@link TimerClock} the engine's timers follow. Active
 * wherever {@code background-jobs-test} is on the classpath, which is meant to be in
 * tests only; until a test advances it, the timer clock reads as the engine's own.
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
	@ConditionalOnBean(DatabaseClockSynchronizer.class)
	TimerClock backgroundJobsTimerClock(DatabaseClockSynchronizer databaseClock) {
		return new TimerClock(databaseClock.clock());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ DatabaseClockSynchronizer.class, DatabaseDialect.class, CronTicker.class,
			DueWorkPoller.class })
	TestClock backgroundJobsTestClock(TimerClock timerClock, DatabaseDialect dialect,
			@BackgroundJobsDataSource ObjectProvider<DataSource> qualifiedDataSource,
			ObjectProvider<DataSource> dataSources, CronTicker cronTicker, DueWorkPoller dueWork,
			BackgroundJobsProperties properties) {
		// The engine's tables are in the same DataSource its stores use.
		DataSource dataSource = qualifiedDataSource.getIfAvailable(dataSources::getIfUnique);
		Assert.state(dataSource != null, "No single, primary or @BackgroundJobsDataSource DataSource");
		return new TestClock(timerClock, new JdbcTimerShift(dataSource, dialect), cronTicker, dueWork,
				properties.getLease().getDuration().dividedBy(2));
	}

}
