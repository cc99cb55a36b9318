package dev.backgroundjobs.faults;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Writes records no {@code EventPublisher} would write straight to an event topic, and
 * counts their dead letters.
 */
final class PoisonRecords {

	private PoisonRecords() {
	}

	/**
	 * Sends a record and waits for the broker's acknowledgement.
	 * @param bootstrapServers the broker
	 * @param topic the topic
	 * @param key the key
	 * @param value the value
	 * @param headers headers, as text
	 * @return where the record was written
	 */
	static RecordMetadata send(String bootstrapServers, String topic, String key, String value,
			Map<String, String> headers) {
		try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new ByteArraySerializer(),
				new ByteArraySerializer())) {
			ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
					value.getBytes(StandardCharsets.UTF_8));
			headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
			return producer.send(record).get(30, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not send a poison record to " + topic, ex);
		}
	}

	/**
	 * Counts the dead-letter rows of a record.
	 * @param cluster the cluster
	 * @param metadata where the record was written
	 * @return the count
	 */
	static long deadLetters(Cluster cluster, RecordMetadata metadata) {
		return JdbcClient.create(cluster.direct())
			.sql("SELECT count(*) FROM bj_dead_letters WHERE record_topic = ? AND record_partition = ? AND record_offset = ?")
			.params(metadata.topic(), metadata.partition(), metadata.offset())
			.query(Long.class)
			.single();
	}

}
