package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.BackgroundJobsDataSource;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcBatchStore;
import dev.backgroundjobs.jdbc.JdbcCancellationStore;
import dev.backgroundjobs.jdbc.JdbcCheckpointStore;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.jdbc.JdbcDeadLetterStore;
import dev.backgroundjobs.jdbc.JdbcEventWaitStore;
import dev.backgroundjobs.jdbc.JdbcOutboxStore;
import dev.backgroundjobs.jdbc.JdbcRetentionStore;
import dev.backgroundjobs.jdbc.JdbcRunInsights;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.jdbc.JdbcStepStore;
import dev.backgroundjobs.outbox.OutboxRelay;
import dev.backgroundjobs.outbox.TransactionalOutbox;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.CheckpointStore;
import dev.backgroundjobs.store.DatabaseTime;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.OutboxStore;
import dev.backgroundjobs.store.RetentionStore;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.util.Assert;

/**
 * The JDBC store of runs, steps and dead letters, its retention and its schema
 * initializer, in the {@code DataSource} qualified with {@link BackgroundJobsDataSource}
 * or else the application's single or primary one. The stores write through a transaction
 * manager of their own over that {@code DataSource}: the application's may be JPA's, over
 * another {@code DataSource}, or absent, and is left alone.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(OnBackgroundJobsDataSourceCondition.class)
class BackgroundJobsJdbcConfiguration {

	private final DataSource dataSource;

	private final DataSourceTransactionManager transactionManager;

	BackgroundJobsJdbcConfiguration(@BackgroundJobsDataSource ObjectProvider<DataSource> qualifiedDataSource,
			ObjectProvider<DataSource> dataSources) {
		DataSource dataSource = qualifiedDataSource.getIfAvailable(dataSources::getIfUnique);
		Assert.state(dataSource != null, "No single, primary or @BackgroundJobsDataSource DataSource");
		this.dataSource = dataSource;
		this.transactionManager = new DataSourceTransactionManager(dataSource);
	}

	@Bean
	@ConditionalOnMissingBean
	DatabaseDialect backgroundJobsDatabaseDialect() {
		return DatabaseDialect.from(this.dataSource);
	}

	@Bean
	@ConditionalOnMissingBean
	RunStore backgroundJobsRunStore(DatabaseDialect dialect) {
		return new JdbcRunStore(this.dataSource, dialect, this.transactionManager);
	}

	@Bean
	@ConditionalOnMissingBean
	StepStore backgroundJobsStepStore(DatabaseDialect dialect) {
		return new JdbcStepStore(this.dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	CheckpointStore backgroundJobsCheckpointStore(DatabaseDialect dialect, BackgroundJobsProperties properties) {
		return new JdbcCheckpointStore(this.dataSource, dialect, this.transactionManager,
				properties.getLease().getDuration());
	}

	@Bean
	@ConditionalOnMissingBean
	EventWaitStore backgroundJobsEventWaitStore(DatabaseDialect dialect, EventLog eventLog) {
		return new JdbcEventWaitStore(this.dataSource, dialect, this.transactionManager, eventLog);
	}

	@Bean
	@ConditionalOnMissingBean
	CancellationStore backgroundJobsCancellationStore(DatabaseDialect dialect, RunStore runStore) {
		return new JdbcCancellationStore(this.dataSource, dialect, this.transactionManager, runStore);
	}

	@Bean
	@ConditionalOnMissingBean
	DatabaseTime backgroundJobsDatabaseTime(DatabaseDialect dialect) {
		return new JdbcDatabaseTime(this.dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	DeadLetterStore backgroundJobsDeadLetterStore(DatabaseDialect dialect) {
		return new JdbcDeadLetterStore(this.dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	RunInsights backgroundJobsRunInsights(DatabaseDialect dialect) {
		return new JdbcRunInsights(this.dataSource, dialect);
	}

	@Bean
	@ConditionalOnMissingBean
	BatchStore backgroundJobsBatchStore(DatabaseDialect dialect) {
		return new JdbcBatchStore(this.dataSource, dialect, this.transactionManager);
	}

	@Bean
	@ConditionalOnMissingBean
	RetentionStore backgroundJobsRetentionStore(DatabaseDialect dialect) {
		return new JdbcRetentionStore(this.dataSource, dialect, this.transactionManager);
	}

	@Bean
	@ConditionalOnMissingBean
	BackgroundJobsDataSourceScriptDatabaseInitializer backgroundJobsDataSourceScriptDatabaseInitializer(
			BackgroundJobsJdbcProperties properties) {
		return new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource, properties);
	}

	@Bean
	@ConditionalOnMissingBean
	OutboxStore backgroundJobsOutboxStore(DatabaseDialect dialect) {
		return new JdbcOutboxStore(this.dataSource, dialect, this.transactionManager);
	}

	@Bean
	@ConditionalOnMissingBean
	TransactionalOutbox backgroundJobsTransactionalOutbox(OutboxStore store, OutboxRelay relay,
			BackgroundJobsProperties properties) {
		return new TransactionalOutbox(store, this.dataSource, this.transactionManager,
				properties.getOutbox().getMode(), relay);
	}

}
