package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.actuate.JobsEndpointWebExtension;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code jobs} Actuator endpoint: {@link JobsEndpoint}, and
 * {@link JobsEndpointWebExtension} when the endpoint is exposed over the web.
 * <p>
 * Access is controlled like any Actuator endpoint, with
 * {@code management.endpoints.web.exposure.include} and
 * {@code management.endpoint.jobs.access}. Payloads, outputs and errors are shown
 * following {@code management.endpoint.jobs.show-values} and
 * {@code management.endpoint.jobs.roles}, as Spring Boot's {@code env} endpoint does.
 */
@AutoConfiguration(after = BackgroundJobsAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnAvailableEndpoint(JobsEndpoint.class)
@EnableConfigurationProperties(JobsEndpointProperties.class)
public final class BackgroundJobsEndpointAutoConfiguration {

	BackgroundJobsEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ FunctionRegistry.class, RunStore.class, StepStore.class, DeadLetterStore.class,
			RunOperations.class, PayloadCodec.class, EventWaitStore.class })
	JobsEndpoint jobsEndpoint(FunctionRegistry functions, RunStore runStore, StepStore stepStore,
			DeadLetterStore deadLetterStore, RunOperations runOperations, PayloadCodec codec, EventWaitStore waits,
			ObjectProvider<DeadLetterOperations> deadLetterOperations) {
		return new JobsEndpoint(functions, runStore, stepStore, deadLetterStore, runOperations, codec, waits,
				deadLetterOperations.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(JobsEndpoint.class)
	@ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
	JobsEndpointWebExtension jobsEndpointWebExtension(JobsEndpoint jobsEndpoint, JobsEndpointProperties properties) {
		return new JobsEndpointWebExtension(jobsEndpoint, properties.getShowValues(), properties.getRoles());
	}

}
