package dev.backgroundjobs.autoconfigure;

import java.util.HashMap;
import java.util.Map;

import dev.backgroundjobs.BackgroundJobsDataSource;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.function.EventHandlerAnnotationBeanPostProcessor;
import dev.backgroundjobs.function.FlowControlOverrides;
import dev.backgroundjobs.function.FunctionRegistrar;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.NamedRetryPolicies;
import dev.backgroundjobs.json.PayloadCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.init.DatabaseInitializationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Auto-configuration for background-jobs: discovers {@link EventHandler} functions and
 * runs them over Kafka with checkpoints in the application's {@code DataSource}.
 * <p>
 * The tables live in the {@code DataSource} qualified with
 * {@link BackgroundJobsDataSource @BackgroundJobsDataSource}, or else in the
 * application's single or primary one. Backs off, as Boot's own JDBC auto-configurations
 * do, without Kafka (spring-kafka, kafka-clients, Boot's Kafka support) or JDBC (Boot's
 * JDBC support) on the classpath, and without a {@code DataSource} it can choose (none,
 * or several with none primary or qualified); Boot's failure analysis then names the
 * condition that did not match wherever an {@code EventPublisher} is injected.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
		"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		"org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@ConditionalOnClass({ KafkaTemplate.class, KafkaProducer.class, KafkaConnectionDetails.class, JdbcClient.class,
		DatabaseInitializationProperties.class })
@ConditionalOnBooleanProperty(name = "background-jobs.enabled", matchIfMissing = true)
@Conditional(OnBackgroundJobsDataSourceCondition.class)
@EnableConfigurationProperties({ BackgroundJobsProperties.class, BackgroundJobsJdbcProperties.class,
		BackgroundJobsRetentionProperties.class })
@Import({ BackgroundJobsJdbcConfiguration.class, BackgroundJobsEngineConfiguration.class,
		BackgroundJobsKafkaConfiguration.class, BackgroundJobsRetentionConfiguration.class,
		BackgroundJobsRetryConfiguration.class })
public final class BackgroundJobsAutoConfiguration {

	BackgroundJobsAutoConfiguration() {
	}

	@Bean
	static EventHandlerAnnotationBeanPostProcessor eventHandlerAnnotationBeanPostProcessor() {
		return new EventHandlerAnnotationBeanPostProcessor();
	}

	@Bean
	@ConditionalOnMissingBean
	PayloadCodec backgroundJobsPayloadCodec(ObjectProvider<JsonMapper> jsonMapper,
			BackgroundJobsProperties properties) {
		return new PayloadCodec(jsonMapper.getIfUnique(() -> JsonMapper.builder().build()),
				properties.getMaxPayloadSize());
	}

	@Bean
	@ConditionalOnMissingBean
	FunctionRegistry backgroundJobsFunctionRegistry() {
		return new FunctionRegistry();
	}

	@Bean
	@ConditionalOnMissingBean
	FunctionRegistrar backgroundJobsFunctionRegistrar(FunctionRegistry registry,
			EventHandlerAnnotationBeanPostProcessor processor, PayloadCodec codec, BackgroundJobsProperties properties,
			ObjectProvider<NamedRetryPolicies> namedRetryPolicies) {
		Map<String, FlowControlOverrides> flowControl = new HashMap<>();
		properties.getFunctions()
			.forEach((id, function) -> flowControl.put(id,
					new FlowControlOverrides(function.getIdempotency().getWindow(), function.getRateLimit().getLimit(),
							function.getRateLimit().getPeriod(), function.getBatch().getMaxSize(),
							function.getBatch().getTimeout(), function.getThrottle().getLimit(),
							function.getThrottle().getPeriod(), function.getThrottle().getBurst(),
							function.getConcurrency().getLimit(), function.getDebounce().getPeriod(),
							function.getDebounce().getTimeout(), function.getSingleton().getMode())));
		return new FunctionRegistrar(registry, processor, codec,
				BackgroundJobsRetryConfiguration.retrySettings(properties, namedRetryPolicies), flowControl);
	}

	@Bean
	@ConditionalOnMissingBean
	InstanceId backgroundJobsInstanceId(BackgroundJobsProperties properties) {
		String configured = properties.getInstanceId();
		return (configured != null && !configured.isBlank()) ? new InstanceId(configured) : InstanceId.generate();
	}

	static String applicationName(Environment environment) {
		return environment.getProperty("spring.application.name", "background-jobs");
	}

}
