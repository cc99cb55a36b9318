package dev.backgroundjobs.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes hand-made records to the shared test broker, bypassing the starter, for tests
 * that need records the starter would never write (poison, old formats, bulk loads).
 * <p>
 * The shared broker runs in a busy test JVM, so a batch can time out while a large test
 * loads it. Records that fail with a retriable error are sent again, a bounded number of
 * times; every record these tests write carries its own event id, so a resent record that
 * did arrive the first time is a duplicate the engine removes.
 */
public final class RawRecords {

	private static final int ATTEMPTS = 3;

	private RawRecords() {
	}

	/**
	 * Returns a new producer of string keys and byte values to the shared broker.
	 * @return the producer, which the caller closes
	 */
	public static KafkaProducer<String, byte[]> producer() {
		return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
				ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
				ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
				ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
				(int) Duration.ofSeconds(20).toMillis(), ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
				(int) Duration.ofSeconds(60).toMillis()));
	}

	/**
	 * Sends the records and waits until the broker has acknowledged every one, sending
	 * those that failed with a retriable error again.
	 * @param records the records to send
	 * @throws Exception if a record could not be delivered in {@value #ATTEMPTS} attempts
	 */
	public static void sendAll(List<ProducerRecord<String, byte[]>> records) throws Exception {
		List<ProducerRecord<String, byte[]>> pending = records;
		try (KafkaProducer<String, byte[]> producer = producer()) {
			for (int attempt = 1; !pending.isEmpty(); attempt++) {
				List<Future<RecordMetadata>> sent = new ArrayList<>(pending.size());
				for (ProducerRecord<String, byte[]> record : pending) {
					sent.add(producer.send(record));
				}
				List<ProducerRecord<String, byte[]>> failed = new ArrayList<>();
				for (int i = 0; i < sent.size(); i++) {
					try {
						sent.get(i).get();
					}
					catch (ExecutionException ex) {
						if (!(ex.getCause() instanceof RetriableException) || attempt == ATTEMPTS) {
							throw new IllegalStateException("Record " + i + " of " + pending.size()
									+ " was not delivered in attempt " + attempt, ex.getCause());
						}
						failed.add(pending.get(i));
					}
				}
				pending = failed;
			}
		}
	}

}
