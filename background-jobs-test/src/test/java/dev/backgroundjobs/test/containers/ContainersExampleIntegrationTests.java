package dev.backgroundjobs.test.containers;

import java.time.Duration;
import java.util.Map;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.test.TestFunctionsApplication;
import dev.backgroundjobs.test.runs.TestRuns;
import dev.backgroundjobs.test.time.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example of the testing guide: PostgreSQL and Kafka in Testcontainers containers,
 * connected through {@code @ServiceConnection}, with the kit's run awaiting and clock.
 * Skipped without Docker, and unless {@code background-jobs.test.containers} is
 * {@code true} (the switch of the project's other container tests), so that a build
 * without Docker does not spend time looking for it.
 */
@Testcontainers(disabledWithoutDocker = true)
@EnabledIfSystemProperty(named = "background-jobs.test.containers", matches = "true")
@SpringBootTest(classes = TestFunctionsApplication.class)
class ContainersExampleIntegrationTests {

	@Container
	@ServiceConnection
	static PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17-alpine");

	@Container
	@ServiceConnection
	static KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.0");

	@Autowired
	private EventPublisher events;

	@Autowired
	private TestRuns runs;

	@Autowired
	private TestClock clock;

	@Test
	void aOneHourSleepEndsWhenTheClockIsMovedAnHour() {
		String eventId = this.events.send("kit/nap", Map.of());
		this.runs.await("nap", eventId, RunStatus.SLEEPING);
		this.clock.advance(Duration.ofHours(1));
		assertThat(this.runs.await("nap", eventId, RunStatus.COMPLETED).output(String.class)).isEqualTo("rested");
	}

}
