package dev.backgroundjobs.test.runs;

import java.time.Duration;
import java.util.Map;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.test.TestFunctionsApplication;
import dev.backgroundjobs.test.kafka.InProcessKafkaInitializer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Integration tests for {@link TestRuns} with the real engine, the in-process broker and
 * H2.
 */
@SpringBootTest(classes = TestFunctionsApplication.class)
@ContextConfiguration(initializers = InProcessKafkaInitializer.class)
class TestRunsIntegrationTests {

	@Autowired
	private EventPublisher events;

	@Autowired
	private TestRuns runs;

	@Test
	void awaitReturnsTheRunWithItsStepsOnceItReachesTheStatus() {
		String eventId = this.events.send("kit/nap", Map.of());
		RecordedRun run = this.runs.await("nap", eventId, RunStatus.SLEEPING);
		assertThat(run.functionId()).isEqualTo("nap");
		assertThat(run.eventId()).isEqualTo(eventId);
		assertThat(run.stepIds()).containsExactly("an-hour");
	}

	@Test
	void awaitingARunThatFailsShowsItsStepsAndErrors() {
		String eventId = this.events.send("kit/broken", Map.of());
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.runs.await("broken", eventId, RunStatus.COMPLETED))
			.withMessageContaining("to become COMPLETED")
			.withMessageContaining("is FAILED")
			.withMessageContaining("prepare COMPLETED")
			.withMessageContaining("explode FAILED")
			.withMessageContaining("broken on purpose");
	}

	@Test
	void awaitingARunThatStaysParkedShowsItsStatusWhenTheTimeoutPasses() {
		String eventId = this.events.send("kit/nap", Map.of());
		this.runs.await("nap", eventId, RunStatus.SLEEPING);
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.runs.await("nap", eventId, RunStatus.COMPLETED, Duration.ofMillis(100)))
			.withMessageContaining("within PT0.1S")
			.withMessageContaining("is SLEEPING")
			.withMessageContaining("an-hour COMPLETED");
	}

	@Test
	void awaitingTheRunOfAnEventNoFunctionTakesSaysSo() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.runs.await("nap", "no-such-event", RunStatus.COMPLETED, Duration.ZERO))
			.withMessageContaining("no such run was recorded");
	}

}
