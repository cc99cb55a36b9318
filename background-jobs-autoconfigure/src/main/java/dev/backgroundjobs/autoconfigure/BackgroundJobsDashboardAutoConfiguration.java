package dev.backgroundjobs.autoconfigure;

import java.time.Clock;

import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.dashboard.CsrfTokens;
import dev.backgroundjobs.dashboard.DashboardAccess;
import dev.backgroundjobs.dashboard.DashboardActions;
import dev.backgroundjobs.dashboard.DashboardApi;
import dev.backgroundjobs.dashboard.DashboardErrors;
import dev.backgroundjobs.dashboard.DashboardPages;
import dev.backgroundjobs.dashboard.DashboardSettings;
import dev.backgroundjobs.dashboard.OverviewCounts;
import dev.backgroundjobs.dashboard.SpringSecurityCsrfTokens;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.EndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Auto-configuration of the web dashboard, when
 * {@code background-jobs.dashboard.enabled=true} in a servlet web application.
 * <p>
 * The dashboard reads through the {@link JobsEndpoint} (the application's bean, or one of
 * its own when the endpoint is not exposed) and shows values following
 * {@code management.endpoint.jobs.show-values} and {@code roles}. Its writes are allowed
 * only when the {@code jobs} endpoint's access ({@code management.endpoint.jobs.access})
 * is unrestricted. Who may reach its path is left to the application's security
 * configuration, as for any other path.
 */
@AutoConfiguration(after = { BackgroundJobsAutoConfiguration.class, BackgroundJobsEndpointAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ WebMvcConfigurer.class, Endpoint.class })
@ConditionalOnBooleanProperty("background-jobs.dashboard.enabled")
@ConditionalOnBean({ FunctionRegistry.class, RunStore.class, StepStore.class, DeadLetterStore.class,
		RunOperations.class, PayloadCodec.class, EventWaitStore.class, RunInsights.class, EventPublisher.class })
@EnableConfigurationProperties({ BackgroundJobsDashboardProperties.class, JobsEndpointProperties.class })
public final class BackgroundJobsDashboardAutoConfiguration {

	private static final EndpointId JOBS = EndpointId.of("jobs");

	BackgroundJobsDashboardAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardSettings backgroundJobsDashboardSettings(BackgroundJobsDashboardProperties properties,
			JobsEndpointProperties endpointProperties, ObjectProvider<EndpointAccessResolver> accessResolver) {
		EndpointAccessResolver resolver = accessResolver.getIfAvailable();
		boolean writable = resolver == null || resolver.accessFor(JOBS, Access.UNRESTRICTED) == Access.UNRESTRICTED;
		String traceUrl = properties.getTraceUrl();
		return new DashboardSettings(properties.getPath(), endpointProperties.getShowValues(),
				endpointProperties.getRoles(), writable, properties.isSendEvents(),
				(traceUrl != null && !traceUrl.isBlank()) ? traceUrl : null, properties.getRefreshInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardAccess backgroundJobsDashboardAccess(DashboardSettings settings, CsrfTokens csrfTokens) {
		return new DashboardAccess(settings, csrfTokens);
	}

	@Bean
	@ConditionalOnMissingBean
	OverviewCounts backgroundJobsDashboardOverviewCounts(RunStore runStore, DeadLetterStore deadLetterStore,
			RunInsights insights, DashboardSettings settings) {
		// Counts at most one page refresh old: the overview refreshes at that interval.
		return new OverviewCounts(runStore, deadLetterStore, insights, Clock.systemUTC(), settings.refreshInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardApi backgroundJobsDashboardApi(ObjectProvider<JobsEndpoint> endpoint, FunctionRegistry functions,
			RunStore runStore, StepStore stepStore, DeadLetterStore deadLetterStore, RunOperations runOperations,
			PayloadCodec codec, EventWaitStore waits, RunInsights insights, DashboardAccess access,
			OverviewCounts overviewCounts) {
		return new DashboardApi(
				jobsEndpoint(endpoint, functions, runStore, stepStore, deadLetterStore, runOperations, codec, waits),
				functions, runStore, insights, access, overviewCounts, codec.mapper());
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardActions backgroundJobsDashboardActions(ObjectProvider<JobsEndpoint> endpoint, FunctionRegistry functions,
			RunStore runStore, StepStore stepStore, DeadLetterStore deadLetterStore, RunOperations runOperations,
			PayloadCodec codec, EventWaitStore waits, EventPublisher publisher, DashboardSettings settings,
			DeadLetterOperations deadLetterOperations) {
		return new DashboardActions(
				jobsEndpoint(endpoint, functions, runStore, stepStore, deadLetterStore, runOperations, codec, waits),
				deadLetterStore, publisher, settings, deadLetterOperations);
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardErrors backgroundJobsDashboardErrors() {
		return new DashboardErrors();
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardPages backgroundJobsDashboardPages(DashboardSettings settings) {
		return new DashboardPages(settings.path());
	}

	// Not a bean of its own: a second JobsEndpoint bean would be a second endpoint.
	private static JobsEndpoint jobsEndpoint(ObjectProvider<JobsEndpoint> endpoint, FunctionRegistry functions,
			RunStore runStore, StepStore stepStore, DeadLetterStore deadLetterStore, RunOperations runOperations,
			PayloadCodec codec, EventWaitStore waits) {
		return endpoint.getIfAvailable(
				() -> new JobsEndpoint(functions, runStore, stepStore, deadLetterStore, runOperations, codec, waits));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.security.web.csrf.CsrfToken")
	static class SpringSecurityCsrfConfiguration {

		@Bean
		@ConditionalOnMissingBean
		CsrfTokens backgroundJobsDashboardCsrfTokens() {
			return new SpringSecurityCsrfTokens();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("org.springframework.security.web.csrf.CsrfToken")
	static class NoCsrfConfiguration {

		@Bean
		@ConditionalOnMissingBean
		CsrfTokens backgroundJobsDashboardCsrfTokens() {
			return CsrfTokens.NONE;
		}

	}

}
