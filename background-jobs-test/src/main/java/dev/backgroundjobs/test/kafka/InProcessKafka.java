package dev.backgroundjobs.test.kafka;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One real Kafka broker (a single KRaft node from {@code spring-kafka-test}) in the test
 * JVM, started on first use and shared by every test class and application context until
 * the JVM exits. Tests keep apart by their events and functions: runs are keyed by event
 * id, so a new event id per test is enough.
 */
public final class InProcessKafka {

	private static final int PARTITIONS = 3;

	private static final Object lock = new Object();

	private static @Nullable EmbeddedKafkaKraftBroker broker;

	private InProcessKafka() {
	}

	/**
	 * Returns the bootstrap servers of the shared broker, starting it if needed.
	 * @return the bootstrap servers, {@code host:port}
	 */
	public static String bootstrapServers() {
		synchronized (lock) {
			EmbeddedKafkaKraftBroker started = broker;
			if (started == null) {
				started = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
				// No rebalance delay: a consumer group of a new context starts at once.
				started.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
				started.afterPropertiesSet();
				Runtime.getRuntime().addShutdownHook(new Thread(started::destroy));
				broker = started;
			}
			return started.getBrokersAsString();
		}
	}

}
