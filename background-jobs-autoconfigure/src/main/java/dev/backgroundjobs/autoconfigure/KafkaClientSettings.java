package dev.backgroundjobs.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.StringUtils;

/**
 * The settings of the starter's Kafka clients: connection details applied as Spring
 * Boot's {@code KafkaAutoConfiguration} applies them to its own clients, and the settings
 * that durability depends on, which win over the application's properties and factory
 * customizers.
 */
final class KafkaClientSettings {

	private KafkaClientSettings() {
	}

	/**
	 * Applies the bootstrap servers, security protocol and SSL bundle of one client type,
	 * replacing what {@code spring.kafka.*} set.
	 * @param config the client configuration
	 * @param connection the connection details of the client type
	 */
	static void applyConnectionDetails(Map<String, Object> config, KafkaConnectionDetails.Configuration connection) {
		config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, connection.getBootstrapServers());
		String protocol = connection.getSecurityProtocol();
		if (StringUtils.hasLength(protocol)) {
			config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
		}
		SslBundle bundle = connection.getSslBundle();
		if (bundle != null) {
			config.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class);
			config.put(SslBundle.class.getName(), bundle);
		}
	}

	/**
	 * Returns the producer settings durability depends on.
	 * @param sendTimeout how long a send may take
	 * @return the settings to apply last
	 */
	static Map<String, Object> durableProducer(Duration sendTimeout) {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		// An event is durable once send returns: every in-sync replica has it, exactly
		// once.
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		// send waits for a topic's metadata inside its timeout, not for the producer's
		// default of a minute.
		config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, sendTimeout.toMillis());
		return config;
	}

	/**
	 * Returns the consumer settings durability depends on.
	 * @return the settings to apply last
	 */
	static Map<String, Object> durableConsumer() {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		// Offsets are committed by the container once a poll's runs are recorded.
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		// A new group reads its topics from the start, whatever the application's own
		// consumers use: "latest" would skip every event sent before the group's first
		// commit.
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		// An event of an aborted transaction (an outbox of the application writing to an
		// event topic, say) was never sent: it must not start a run.
		config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
		return config;
	}

}
