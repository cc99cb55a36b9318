package dev.backgroundjobs.autoconfigure;

import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.backgroundjobs.kafka.SharedAdminClient;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.ProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the Kafka clients of {@link BackgroundJobsKafkaConfiguration}: they are built
 * as Spring Boot builds its own (connection details, SSL bundles, factory customizers),
 * and the settings that durability depends on win over the application's.
 * <p>
 * No broker is needed: topic creation is off and the clients are only configured, never
 * connected, except by the producer warm-up, which gives up quietly.
 */
class BackgroundJobsKafkaConfigurationTests {

	private static final String UNREACHABLE = "127.0.0.1:1";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, KafkaAutoConfiguration.class,
				BackgroundJobsAutoConfiguration.class))
		.withUserConfiguration(DataSourceConfiguration.class)
		.withPropertyValues("spring.kafka.bootstrap-servers=" + UNREACHABLE,
				"background-jobs.kafka.create-topics=false", "background-jobs.kafka.send-timeout=1s");

	@Test
	void connectionDetailsOfTheApplicationReachTheProducerTheConsumersAndTheAdminClient() {
		this.contextRunner.withUserConfiguration(ConnectionDetailsConfiguration.class).run((context) -> {
			assertThat(producerConfig(context))
				.containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, List.of("producer.example:9092"))
				.containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
			assertThat(consumerConfig(context))
				.containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, List.of("consumer.example:9092"))
				.containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
			assertThat(adminConfig(context))
				.containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, List.of("admin.example:9092"))
				.containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
		});
	}

	@Test
	void withoutConnectionDetailsOfItsOwnTheApplicationsBootstrapServersApply() {
		this.contextRunner.run((context) -> {
			assertThat(producerConfig(context)).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
					List.of(UNREACHABLE));
			assertThat(consumerConfig(context)).containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
					List.of(UNREACHABLE));
			assertThat(adminConfig(context)).containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
					List.of(UNREACHABLE));
		});
	}

	@Test
	void sslBundleOfSpringKafkaSslBundleIsAppliedToEveryClient() {
		this.contextRunner.withPropertyValues(
				"spring.ssl.bundle.pem.kafka.truststore.certificate=classpath:dev/backgroundjobs/autoconfigure/test-ca.crt",
				"spring.kafka.ssl.bundle=kafka", "spring.kafka.security.protocol=SSL")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				SslBundle bundle = context.getBean(SslBundles.class).getBundle("kafka");
				for (Map<String, Object> config : List.of(producerConfig(context), consumerConfig(context),
						adminConfig(context))) {
					assertThat(config).containsEntry(SslBundle.class.getName(), bundle)
						.containsEntry(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class)
						.containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
				}
			});
	}

	@Test
	void factoryCustomizersOfTheApplicationAreApplied() {
		this.contextRunner.withUserConfiguration(CustomizerConfiguration.class).run((context) -> {
			assertThat(producerConfig(context)).containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
			assertThat(context.getBean("backgroundJobsProducerFactory", ProducerFactory.class).getListeners())
				.contains(CustomizerConfiguration.PRODUCER_LISTENER);
			assertThat(consumerConfig(context)).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 123);
			assertThat(context.getBean("backgroundJobsConsumerFactory", ConsumerFactory.class).getListeners())
				.contains(CustomizerConfiguration.CONSUMER_LISTENER);
		});
	}

	@Test
	void durableSettingsWinOverThePropertiesAndCustomizersOfTheApplication() {
		this.contextRunner.withUserConfiguration(CustomizerConfiguration.class)
			.withPropertyValues("spring.kafka.producer.acks=1", "spring.kafka.producer.transaction-id-prefix=tx-",
					"spring.kafka.producer.properties.enable.idempotence=false",
					"spring.kafka.producer.properties.transactional.id=application-tx",
					"spring.kafka.consumer.auto-offset-reset=latest", "spring.kafka.consumer.enable-auto-commit=true",
					"spring.kafka.consumer.group-id=application-group",
					"spring.kafka.consumer.isolation-level=read-uncommitted")
			.run((context) -> {
				assertThat(producerConfig(context)).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
					.containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
					.containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000L)
					.doesNotContainKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
				assertThat(context.getBean("backgroundJobsProducerFactory", ProducerFactory.class).transactionCapable())
					.isFalse();
				assertThat(consumerConfig(context)).containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
					.containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
					.containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
					.doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
			});
	}

	@Test
	void aCustomizerThatMakesTheProducerTransactionalFailsTheStartWithAClearMessage() {
		this.contextRunner
			.withBean("transactionalCustomizer", DefaultKafkaProducerFactoryCustomizer.class,
					() -> (factory) -> factory.setTransactionIdPrefix("tx-"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("DefaultKafkaProducerFactoryCustomizer")
				.hasMessageContaining("transactional"));
	}

	private static Map<String, Object> producerConfig(AssertableApplicationContext context) {
		return context.getBean("backgroundJobsProducerFactory", ProducerFactory.class).getConfigurationProperties();
	}

	private static Map<String, Object> consumerConfig(AssertableApplicationContext context) {
		return context.getBean("backgroundJobsConsumerFactory", ConsumerFactory.class).getConfigurationProperties();
	}

	private static Map<String, Object> adminConfig(AssertableApplicationContext context) {
		return context.getBean(SharedAdminClient.class).getConfigurationProperties();
	}

	@Configuration(proxyBeanMethods = false)
	static class DataSourceConfiguration {

		@Bean
		DataSource dataSource() {
			return TestDatabases.h2();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConnectionDetailsConfiguration {

		@Bean
		KafkaConnectionDetails kafkaConnectionDetails() {
			return new KafkaConnectionDetails() {

				@Override
				public List<String> getBootstrapServers() {
					return List.of("admin.example:9092");
				}

				@Override
				public String getSecurityProtocol() {
					return "SASL_SSL";
				}

				@Override
				public Configuration getProducer() {
					return Configuration.of(List.of("producer.example:9092"), null, getSecurityProtocol());
				}

				@Override
				public Configuration getConsumer() {
					return Configuration.of(List.of("consumer.example:9092"), null, getSecurityProtocol());
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizerConfiguration {

		static final ProducerFactory.Listener<Object, Object> PRODUCER_LISTENER = new ProducerFactory.Listener<>() {
		};

		static final ConsumerFactory.Listener<Object, Object> CONSUMER_LISTENER = new ConsumerFactory.Listener<>() {
		};

		@Bean
		@SuppressWarnings({ "unchecked", "rawtypes" })
		DefaultKafkaProducerFactoryCustomizer producerCustomizer() {
			return (factory) -> {
				((DefaultKafkaProducerFactory) factory).addListener(PRODUCER_LISTENER);
				factory.updateConfigs(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd", ProducerConfig.ACKS_CONFIG,
						"0", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false));
			};
		}

		@Bean
		@SuppressWarnings({ "unchecked", "rawtypes" })
		DefaultKafkaConsumerFactoryCustomizer consumerCustomizer() {
			return (factory) -> {
				((DefaultKafkaConsumerFactory) factory).addListener(CONSUMER_LISTENER);
				factory.updateConfigs(
						Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 123, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
								"latest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true));
			};
		}

	}

}
