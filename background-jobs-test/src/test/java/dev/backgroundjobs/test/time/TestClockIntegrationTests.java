package dev.backgroundjobs.test.time;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.test.TestFunctionsApplication;
import dev.backgroundjobs.test.kafka.InProcessKafkaInitializer;
import dev.backgroundjobs.test.runs.RecordedRun;
import dev.backgroundjobs.test.runs.TestRuns;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link TestClock} with the real engine, the in-process broker and
 * H2.
 */
@SpringBootTest(classes = TestFunctionsApplication.class)
@ContextConfiguration(initializers = InProcessKafkaInitializer.class)
class TestClockIntegrationTests {

	@Autowired
	private EventPublisher events;

	@Autowired
	private TestRuns runs;

	@Autowired
	private TestClock clock;

	@Autowired
	private TestFunctionsApplication.Functions functions;

	@Test
	void aOneHourSleepEndsWhenTheClockIsMovedAnHour() {
		String eventId = this.events.send("kit/nap", Map.of());
		this.runs.await("nap", eventId, RunStatus.SLEEPING);
		this.clock.advance(Duration.ofMinutes(59));
		assertThat(this.runs.find("nap", eventId).status()).isEqualTo(RunStatus.SLEEPING);
		this.clock.advance(Duration.ofMinutes(1));
		RecordedRun run = this.runs.await("nap", eventId, RunStatus.COMPLETED);
		assertThat(run.output(String.class)).isEqualTo("rested");
	}

	@Test
	void aOneDayWaitTimesOutWhenTheClockIsMovedADay() {
		String eventId = this.events.send("kit/question", Map.of("id", UUID.randomUUID().toString()));
		this.runs.await("await-reply", eventId, RunStatus.WAITING);
		this.clock.advance(Duration.ofHours(23));
		assertThat(this.runs.find("await-reply", eventId).status()).isEqualTo(RunStatus.WAITING);
		this.clock.advance(Duration.ofHours(1));
		RecordedRun run = this.runs.await("await-reply", eventId, RunStatus.COMPLETED);
		assertThat(run.output(String.class)).isEqualTo("no reply within a day");
	}

	@Test
	void aRetryBackoffEndsWhenTheClockIsMovedPastIt() {
		String eventId = this.events.send("kit/flaky", Map.of());
		RecordedRun parked = this.runs.await("flaky", eventId, RunStatus.SLEEPING);
		assertThat(parked.error()).contains("first call fails");
		this.clock.advance(Duration.ofHours(1));
		RecordedRun run = this.runs.await("flaky", eventId, RunStatus.COMPLETED);
		assertThat(run.output(String.class)).isEqualTo("succeeded");
		assertThat(this.functions.flakyAttempts).hasValue(2);
	}

	@Test
	void theNextThreeCronTicksStartTheirRuns() {
		Instant start = this.clock.instant();
		List<Instant> ticks = new ArrayList<>();
		Instant tick = start.truncatedTo(ChronoUnit.HOURS);
		for (int i = 0; i < 3; i++) {
			tick = tick.plus(Duration.ofHours(1));
			ticks.add(tick);
		}
		this.clock.advance(Duration.between(start, ticks.get(2)));
		for (Instant expected : ticks) {
			RecordedRun run = this.runs.await("hourly", "cron:hourly:" + expected, RunStatus.COMPLETED);
			assertThat(run.output(String.class)).isEqualTo("ticked");
		}
	}

	@Test
	void movingTheClockExpiresNoLeaseSoAnExecutingRunIsNotTakenOver() throws Exception {
		String eventId = this.events.send("kit/hold", Map.of());
		assertThat(this.functions.holding.await(30, TimeUnit.SECONDS)).isTrue();
		this.clock.advance(Duration.ofDays(1));
		this.clock.runDueWork();
		assertThat(this.runs.find("hold", eventId).status()).isEqualTo(RunStatus.RUNNING);
		this.functions.release.countDown();
		RecordedRun run = this.runs.await("hold", eventId, RunStatus.COMPLETED);
		assertThat(run.attempt()).isEqualTo(1);
		assertThat(this.functions.holds).hasValue(1);
	}

}
