package dev.backgroundjobs.testsupport;

import java.util.Map;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real Kafka KRaft broker in the test JVM, started once on first use and shared by
 * every test class. Tests isolate themselves with their own topic and group prefixes.
 * With the system property {@code background-jobs.test.containers=true} the broker runs
 * in a Testcontainers container instead (see {@link TestContainers}).
 */
public final class TestKafka {

	private static final Object lock = new Object();

	private static EmbeddedKafkaKraftBroker broker;

	private TestKafka() {
	}

	/**
	 * Returns the bootstrap servers of the shared broker, starting it if needed.
	 * @return the bootstrap servers
	 */
	public static String bootstrapServers() {
		if (TestContainers.enabled()) {
			return TestContainers.kafkaBootstrapServers();
		}
		synchronized (lock) {
			if (broker == null) {
				EmbeddedKafkaKraftBroker started = new EmbeddedKafkaKraftBroker(1, 6);
				started.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions",
						"6", "transaction.state.log.replication.factor", "1", "auto.create.topics.enable", "false"));
				started.afterPropertiesSet();
				Runtime.getRuntime().addShutdownHook(new Thread(started::destroy));
				broker = started;
			}
			return broker.getBrokersAsString();
		}
	}

}
