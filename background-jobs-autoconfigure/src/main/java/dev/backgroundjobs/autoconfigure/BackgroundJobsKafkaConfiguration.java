package dev.backgroundjobs.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.engine.EngineSettings;
import dev.backgroundjobs.engine.Executions;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.kafka.BrokerConnectivity;
import dev.backgroundjobs.kafka.DeadLetterPublisher;
import dev.backgroundjobs.kafka.PoisonRecordRepublisher;
import dev.backgroundjobs.kafka.DeadLetterRelay;
import dev.backgroundjobs.kafka.EventWaitConsumer;
import dev.backgroundjobs.kafka.FunctionConsumers;
import dev.backgroundjobs.kafka.KafkaEventLog;
import dev.backgroundjobs.kafka.KafkaEventPublisher;
import dev.backgroundjobs.kafka.KafkaOutboxSender;
import dev.backgroundjobs.kafka.ProducerWarmUp;
import dev.backgroundjobs.kafka.SharedAdminClient;
import dev.backgroundjobs.kafka.SkippedEvents;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.kafka.TopicProvisioner;
import dev.backgroundjobs.outbox.OutboxRelay;
import dev.backgroundjobs.outbox.TransactionalOutbox;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.OutboxStore;
import dev.backgroundjobs.store.RecordRepublisher;
import dev.backgroundjobs.store.RunStore;
import io.micrometer.observation.ObservationRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The Kafka transport: durable publishing, topics, one consumer group per function and
 * the dead-letter topic, fed from the stored dead letters by a relay. Producer and
 * consumer factories are our own (raw bytes, durable settings) so the application's own
 * Kafka beans are left untouched; they are not default autowire candidates, so they never
 * make the application's injection points ambiguous.
 * <p>
 * The clients are built as Spring Boot's {@code KafkaAutoConfiguration} builds its own:
 * from {@code spring.kafka.*}, then the {@link KafkaConnectionDetails} (bootstrap
 * servers, security protocol and SSL bundle of each client type, so a service connection
 * or {@code spring.kafka.ssl.bundle} applies), then the application's
 * {@link DefaultKafkaProducerFactoryCustomizer}s and
 * {@link DefaultKafkaConsumerFactoryCustomizer}s. The settings that durability depends on
 * ({@link KafkaClientSettings}) are applied last and always win.
 */
@Configuration(proxyBeanMethods = false)
class BackgroundJobsKafkaConfiguration {

	/**
	 * Session timeout of the function consumers unless {@code spring.kafka.consumer}
	 * properties set one: the broker's default {@code group.min.session.timeout.ms}.
	 */
	static final int DEFAULT_SESSION_TIMEOUT_MS = 6000;

	@Bean
	@ConditionalOnMissingBean
	TopicNames backgroundJobsTopicNames(BackgroundJobsProperties properties, Environment environment) {
		BackgroundJobsProperties.Kafka kafka = properties.getKafka();
		String groupPrefix = (kafka.getGroupPrefix() != null) ? kafka.getGroupPrefix()
				: BackgroundJobsAutoConfiguration.applicationName(environment);
		return new TopicNames(kafka.getTopicPrefix(), groupPrefix);
	}

	@Bean(defaultCandidate = false)
	@ConditionalOnMissingBean(name = "backgroundJobsProducerFactory")
	ProducerFactory<String, byte[]> backgroundJobsProducerFactory(KafkaProperties kafkaProperties,
			KafkaConnectionDetails connectionDetails, ObjectProvider<DefaultKafkaProducerFactoryCustomizer> customizers,
			BackgroundJobsProperties properties) {
		Map<String, Object> config = kafkaProperties.buildProducerProperties();
		KafkaClientSettings.applyConnectionDetails(config, connectionDetails.getProducer());
		// send blocks the caller until acknowledged, so batching delay is pure latency.
		config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
		// Not transactional: send is acknowledged on its own.
		config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
		DefaultKafkaProducerFactory<String, byte[]> factory = new DefaultKafkaProducerFactory<>(config);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(factory));
		// After the customizers, which may change any setting: what durability depends on
		// wins.
		factory.updateConfigs(KafkaClientSettings.durableProducer(properties.getKafka().getSendTimeout()));
		if (factory.transactionCapable()) {
			throw new IllegalStateException("A DefaultKafkaProducerFactoryCustomizer made the background-jobs "
					+ "producer transactional (transaction id prefix '" + factory.getTransactionIdPrefix()
					+ "'): EventPublisher.send cannot work then. Set spring.kafka.producer.transaction-id-prefix "
					+ "instead, which applies to Spring Boot's producer only");
		}
		return factory;
	}

	@Bean(defaultCandidate = false)
	@ConditionalOnMissingBean(name = "backgroundJobsKafkaTemplate")
	KafkaTemplate<String, byte[]> backgroundJobsKafkaTemplate(
			@Qualifier("backgroundJobsProducerFactory") ProducerFactory<String, byte[]> producerFactory) {
		return new KafkaTemplate<>(producerFactory);
	}

	@Bean(defaultCandidate = false)
	@ConditionalOnMissingBean(name = "backgroundJobsConsumerFactory")
	ConsumerFactory<String, byte[]> backgroundJobsConsumerFactory(KafkaProperties kafkaProperties,
			KafkaConnectionDetails connectionDetails,
			ObjectProvider<DefaultKafkaConsumerFactoryCustomizer> customizers) {
		Map<String, Object> config = kafkaProperties.buildConsumerProperties();
		KafkaClientSettings.applyConnectionDetails(config, connectionDetails.getConsumer());
		// A consumer that dies without leaving its group holds its partitions until its
		// session times out: the broker's minimum instead of the client's 45 s default,
		// so events on a crashed instance's partitions wait seconds, not a minute.
		config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, DEFAULT_SESSION_TIMEOUT_MS);
		config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, DEFAULT_SESSION_TIMEOUT_MS / 3);
		DefaultKafkaConsumerFactory<String, byte[]> factory = new DefaultKafkaConsumerFactory<>(config);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(factory));
		factory.updateConfigs(KafkaClientSettings.durableConsumer());
		factory.removeConfig(ConsumerConfig.GROUP_ID_CONFIG);
		return factory;
	}

	@Bean
	@ConditionalOnMissingBean
	SharedAdminClient backgroundJobsAdminClient(KafkaProperties kafkaProperties,
			KafkaConnectionDetails connectionDetails) {
		// The same cluster as the producer and consumers, whatever admin beans the
		// application has.
		Map<String, Object> config = kafkaProperties.buildAdminProperties();
		KafkaClientSettings.applyConnectionDetails(config, connectionDetails.getAdmin());
		return new SharedAdminClient(new KafkaAdmin(config));
	}

	@Bean
	@ConditionalOnMissingBean
	TopicProvisioner backgroundJobsTopicProvisioner(SharedAdminClient adminClient,
			BackgroundJobsProperties properties) {
		BackgroundJobsProperties.Kafka kafka = properties.getKafka();
		return new TopicProvisioner(adminClient, kafka.getPartitions(), kafka.getReplicationFactor(),
				kafka.isCreateTopics());
	}

	@Bean
	@ConditionalOnMissingBean(EventPublisher.class)
	KafkaEventPublisher backgroundJobsEventPublisher(
			@Qualifier("backgroundJobsKafkaTemplate") KafkaTemplate<String, byte[]> template, PayloadCodec codec,
			TopicNames topics, TopicProvisioner provisioner, BackgroundJobsProperties properties,
			ObjectProvider<ObservationRegistry> observationRegistry, EngineSettings settings,
			ObjectProvider<TransactionalOutbox> outbox) {
		KafkaEventPublisher publisher = new KafkaEventPublisher(template, codec, topics, provisioner,
				properties.getKafka().getSendTimeout(), observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP),
				settings.clock());
		publisher.setOutbox(outbox.getIfAvailable());
		return publisher;
	}

	@Bean
	@ConditionalOnMissingBean
	OutboxRelay backgroundJobsOutboxRelay(OutboxStore store,
			@Qualifier("backgroundJobsKafkaTemplate") KafkaTemplate<String, byte[]> template,
			TopicProvisioner provisioner, BackgroundJobsProperties properties, EngineSettings settings) {
		BackgroundJobsProperties.Outbox outbox = properties.getOutbox();
		Duration sendTimeout = properties.getKafka().getSendTimeout();
		return new OutboxRelay(store, new KafkaOutboxSender(template, provisioner, sendTimeout),
				new OutboxRelay.Settings(outbox.getRelayInterval(), outbox.getTakeoverAfter(), outbox.getBatchSize(),
						sendTimeout),
				settings.clock());
	}

	@Bean
	@ConditionalOnMissingBean
	ProducerWarmUp backgroundJobsProducerWarmUp(
			@Qualifier("backgroundJobsKafkaTemplate") KafkaTemplate<String, byte[]> template,
			TopicProvisioner provisioner, TopicNames topics) {
		return new ProducerWarmUp(template, provisioner, topics);
	}

	@Bean
	@ConditionalOnMissingBean
	EventLog backgroundJobsEventLog(SharedAdminClient adminClient, TopicNames topics,
			BackgroundJobsProperties properties) {
		return new KafkaEventLog(adminClient, topics, properties.getKafka().getSendTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	BrokerConnectivity backgroundJobsBrokerConnectivity(SharedAdminClient adminClient) {
		return new BrokerConnectivity(adminClient);
	}

	@Bean
	@ConditionalOnMissingBean
	DeadLetterPublisher backgroundJobsDeadLetterPublisher(
			@Qualifier("backgroundJobsKafkaTemplate") KafkaTemplate<String, byte[]> template, PayloadCodec codec,
			RunStore runStore, TopicNames topics, BackgroundJobsProperties properties) {
		return new DeadLetterPublisher(template, codec, runStore, topics, properties.getKafka().getSendTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	RecordRepublisher backgroundJobsRecordRepublisher(
			@Qualifier("backgroundJobsKafkaTemplate") KafkaTemplate<String, byte[]> template,
			BackgroundJobsProperties properties) {
		return new PoisonRecordRepublisher(template, properties.getKafka().getSendTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	DeadLetterRelay backgroundJobsDeadLetterRelay(DeadLetterStore deadLetterStore,
			DeadLetterPublisher deadLetterPublisher, BackgroundJobsProperties properties) {
		return new DeadLetterRelay(deadLetterStore, deadLetterPublisher,
				properties.getKafka().getDeadLetterRelayInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	FunctionConsumers backgroundJobsFunctionConsumers(FunctionRegistry functions,
			@Qualifier("backgroundJobsConsumerFactory") ConsumerFactory<String, byte[]> consumerFactory,
			TopicNames topics, TopicProvisioner provisioner, RunStore runStore, CancellationStore cancellations,
			DeadLetterStore deadLetterStore, DeadLetterRelay deadLetterRelay, RunDispatcher dispatcher,
			PayloadCodec codec, InstanceId instanceId, BackgroundJobsProperties properties,
			EngineSettings engineSettings, ObjectProvider<SkippedEvents> skippedEvents,
			ObjectProvider<BatchStore> batchStore, ObjectProvider<Executions> executions) {
		List<SkippedEvents> skipListeners = skippedEvents.orderedStream().toList();
		// The intake throws only transient failures (a permanent one dead-letters the
		// record that causes it): retry the poll forever, backing off, without committing
		// offsets, so nothing is lost or spends retries.
		ExponentialBackOff backOff = new ExponentialBackOff(500, 2);
		backOff.setMaxInterval(Duration.ofSeconds(30).toMillis());
		FunctionConsumers.Settings settings = new FunctionConsumers.Settings(properties.getKafka().getConcurrency(),
				Duration.ofSeconds(1), properties.getLease().getDuration(), new DefaultErrorHandler(backOff),
				BackgroundJobsEngineConfiguration.startAhead(properties));
		return new FunctionConsumers(functions, consumerFactory, topics, provisioner, settings,
				new FunctionConsumers.Collaborators(runStore, cancellations, deadLetterStore, deadLetterRelay,
						dispatcher, codec, instanceId.value(), engineSettings.clock(),
						(functionId, reason, count) -> skipListeners
							.forEach((listener) -> listener.skipped(functionId, reason, count)),
						batchStore.getIfAvailable(), executions.getIfAvailable()));
	}

	@Bean
	@ConditionalOnMissingBean
	EventWaitConsumer backgroundJobsEventWaitConsumer(
			@Qualifier("backgroundJobsConsumerFactory") ConsumerFactory<String, byte[]> consumerFactory,
			TopicNames topics, EventWaitStore waits, PayloadCodec codec, BackgroundJobsProperties properties,
			EngineSettings settings) {
		ExponentialBackOff backOff = new ExponentialBackOff(500, 2);
		backOff.setMaxInterval(Duration.ofSeconds(30).toMillis());
		return new EventWaitConsumer(consumerFactory, topics, waits, codec, new DefaultErrorHandler(backOff),
				new EventWaitConsumer.Settings(Duration.ofSeconds(1), properties.getKafka().getEventWaitIdleTimeout(),
						settings.clock()));
	}

}
