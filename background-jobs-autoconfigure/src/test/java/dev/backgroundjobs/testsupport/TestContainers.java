package dev.backgroundjobs.testsupport;

import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.mariadb.MariaDBContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL, MariaDB and Kafka in Testcontainers containers, for {@link TestDatabases}
 * and {@link TestKafka} when the system property {@code background-jobs.test.containers}
 * is {@code true}. Each container starts on first use and lives as long as the JVM
 * (Testcontainers removes it afterwards). Without Docker the calling test is skipped,
 * with a message saying why.
 */
public final class TestContainers {

	/**
	 * System property that runs the databases and the broker of the tests in containers
	 * instead of using the local servers and the in-JVM broker.
	 */
	public static final String CONTAINERS_PROPERTY = "background-jobs.test.containers";

	/**
	 * PostgreSQL image: the oldest supported major version would be 9.6, long out of
	 * support; this is a current one.
	 */
	static final String POSTGRES_IMAGE = "postgres:17-alpine";

	/**
	 * MariaDB image: a long-term support release above the 10.6 minimum.
	 */
	static final String MARIADB_IMAGE = "mariadb:11.4";

	/**
	 * Kafka image, the Apache one that Boot's {@code @ServiceConnection} supports.
	 */
	static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

	private static final Object lock = new Object();

	private static PostgreSQLContainer postgres;

	private static MariaDBContainer mariadb;

	private static KafkaContainer kafka;

	private TestContainers() {
	}

	/**
	 * Whether the tests run their databases and broker in containers.
	 * @return whether {@code background-jobs.test.containers} is {@code true}
	 */
	public static boolean enabled() {
		return Boolean.getBoolean(CONTAINERS_PROPERTY);
	}

	/**
	 * Returns the PostgreSQL server in its container, starting it if needed.
	 * @return the server
	 */
	static TestDatabases.Server postgres() {
		synchronized (lock) {
			requireDocker("PostgreSQL");
			if (postgres == null) {
				PostgreSQLContainer started = new PostgreSQLContainer(POSTGRES_IMAGE).withDatabaseName("test");
				started.start();
				postgres = started;
			}
			return new TestDatabases.Server("PostgreSQL",
					"jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/test",
					postgres.getUsername(), postgres.getPassword());
		}
	}

	/**
	 * Returns the MariaDB server in its container, starting it if needed.
	 * @return the server
	 */
	static TestDatabases.Server mariadb() {
		synchronized (lock) {
			requireDocker("MariaDB");
			if (mariadb == null) {
				MariaDBContainer started = new MariaDBContainer(MARIADB_IMAGE).withUsername("root").withPassword("");
				started.start();
				mariadb = started;
			}
			return new TestDatabases.Server("MariaDB",
					"jdbc:mariadb://" + mariadb.getHost() + ":" + mariadb.getMappedPort(3306) + "/", "root", "");
		}
	}

	/**
	 * Returns the bootstrap servers of the Kafka broker in its container, starting it if
	 * needed. The broker is configured as the in-JVM one of {@link TestKafka}.
	 * @return the bootstrap servers
	 */
	static String kafkaBootstrapServers() {
		synchronized (lock) {
			requireDocker("Kafka");
			if (kafka == null) {
				KafkaContainer started = new KafkaContainer(KAFKA_IMAGE)
					.withEnv(Map.of("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0", "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS",
							"6", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1",
							"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1", "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"));
				started.start();
				kafka = started;
			}
			return kafka.getBootstrapServers();
		}
	}

	private static void requireDocker(String service) {
		Assumptions.assumeTrue(DockerClientFactory.instance().isDockerAvailable(), () -> CONTAINERS_PROPERTY
				+ " is true but Docker is not available, so " + service + " cannot run in a container; skipping");
	}

}
