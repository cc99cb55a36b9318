package dev.backgroundjobs.testsupport;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Tests for the switch between the local servers and Testcontainers containers
 * ({@code background-jobs.test.containers}).
 */
class TestContainersTests {

	@Test
	void withTheSwitchOnButNoDockerDatabasesAndTheBrokerSkipTheTestSayingWhy() {
		assumeFalse(DockerClientFactory.instance().isDockerAvailable(), "Docker is available: containers would start");
		String previous = System.getProperty(TestContainers.CONTAINERS_PROPERTY);
		System.setProperty(TestContainers.CONTAINERS_PROPERTY, "true");
		try {
			assertThatExceptionOfType(TestAbortedException.class)
				.isThrownBy(() -> TestDatabases.postgres("bj_containers_switch"))
				.withMessageContaining("Docker is not available, so PostgreSQL cannot run in a container");
			assertThatExceptionOfType(TestAbortedException.class)
				.isThrownBy(() -> TestDatabases.mariadb("bj_containers_switch"))
				.withMessageContaining("Docker is not available, so MariaDB cannot run in a container");
			assertThatExceptionOfType(TestAbortedException.class).isThrownBy(TestKafka::bootstrapServers)
				.withMessageContaining("Docker is not available, so Kafka cannot run in a container");
		}
		finally {
			if (previous != null) {
				System.setProperty(TestContainers.CONTAINERS_PROPERTY, previous);
			}
			else {
				System.clearProperty(TestContainers.CONTAINERS_PROPERTY);
			}
		}
	}

	@Test
	void withTheSwitchOffTheLocalServersAreUsed() {
		assumeFalse(TestContainers.enabled(), "The containers switch is on");
		assertThat(TestDatabases.settings(TestDatabases.postgres("bj_containers_switch")).url())
			.startsWith(System.getProperty("background-jobs.test.postgresql-url", "jdbc:postgresql://127.0.0.1:5432/"));
	}

}
