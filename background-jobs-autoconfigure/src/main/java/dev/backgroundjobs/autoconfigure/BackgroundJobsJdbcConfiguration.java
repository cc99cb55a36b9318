package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.jdbc.JdbcDeadLetterStore;
import dev.backgroundjobs.jdbc.JdbcEventWaitStore;
import dev.backgroundjobs.jdbc.JdbcRetentionStore;
import dev.backgroundjobs.jdbc.JdbcCheckpointStore;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.jdbc.JdbcStepStore;
import dev.backgroundjobs.store.DatabaseTime;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.CheckpointStore;
import dev.backgroundjobs.store.RetentionStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * The JDBC store of runs, steps and dead letters in the application's {@code DataSource},
 * its retention and its schema initializer.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSingleCandidate(DataSource.class)
class BackgroundJobsJdbcConfiguration {

	@Bean
	@ConditionalOnMissingBean
	DatabaseDialect backgroundJobsDatabaseDialect(DataSource dataSource) {
		return DatabaseDialect.from(dataSource);
	}

	@Bean
	@ConditionalOnMissingBean
	RunStore backgroundJobsRunStore(DataSource dataSource, DatabaseDialect dialect) {
		// A transaction manager of our own: the application's may be JPA's or absent.
		return new JdbcRunStore(dataSource, dialect, new DataSourceTransactionManager(dataSource));
	}

	@Bean
	@ConditionalOnMissingBean
	StepStore backgroundJobsStepStore(DataSource dataSource, DatabaseDialect dialect) {
		return new JdbcStepStore(dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	CheckpointStore backgroundJobsCheckpointStore(DataSource dataSource, DatabaseDialect dialect,
			BackgroundJobsProperties properties) {
		return new JdbcCheckpointStore(dataSource, dialect, new DataSourceTransactionManager(dataSource),
				properties.getLease().getDuration());
	}

	@Bean
	@ConditionalOnMissingBean
	EventWaitStore backgroundJobsEventWaitStore(DataSource dataSource, DatabaseDialect dialect, EventLog eventLog) {
		return new JdbcEventWaitStore(dataSource, dialect, new DataSourceTransactionManager(dataSource), eventLog);
	}

	@Bean
	@ConditionalOnMissingBean
	DatabaseTime backgroundJobsDatabaseTime(DataSource dataSource, DatabaseDialect dialect) {
		return new JdbcDatabaseTime(dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	DeadLetterStore backgroundJobsDeadLetterStore(DataSource dataSource, DatabaseDialect dialect) {
		return new JdbcDeadLetterStore(dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	RetentionStore backgroundJobsRetentionStore(DataSource dataSource, DatabaseDialect dialect) {
		return new JdbcRetentionStore(dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	BackgroundJobsDataSourceScriptDatabaseInitializer backgroundJobsDataSourceScriptDatabaseInitializer(
			DataSource dataSource, BackgroundJobsJdbcProperties properties) {
		return new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, properties);
	}

}
