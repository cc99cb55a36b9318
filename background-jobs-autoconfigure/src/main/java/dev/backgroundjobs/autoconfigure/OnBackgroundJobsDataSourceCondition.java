package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.BackgroundJobsDataSource;

import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;

/**
 * Matches when the starter knows which {@code DataSource} to use: one qualified with
 * {@link BackgroundJobsDataSource}, or else the application's single or primary one. With
 * none, or several and none primary, the starter backs off as Spring Boot's own JDBC
 * auto-configurations do.
 */
class OnBackgroundJobsDataSourceCondition extends AnyNestedCondition {

	OnBackgroundJobsDataSourceCondition() {
		super(ConfigurationPhase.REGISTER_BEAN);
	}

	@ConditionalOnBean(value = DataSource.class, annotation = BackgroundJobsDataSource.class)
	static class QualifiedDataSource {

	}

	@ConditionalOnSingleCandidate(DataSource.class)
	static class SingleCandidateDataSource {

	}

}
