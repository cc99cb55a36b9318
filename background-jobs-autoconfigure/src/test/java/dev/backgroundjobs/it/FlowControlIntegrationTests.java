package dev.backgroundjobs.it;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static dev.backgroundjobs.it.RunAwait.TIMEOUT;
import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of flow control ({@code @EventHandler(idempotency, rateLimit)}) with a
 * real broker, two instances and a real database: events with one key, spread over the
 * partitions that each instance reads, start no more runs than the gate lets through, and
 * those skipped are counted.
 */
class FlowControlIntegrationTests {

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class PostgreSql extends FlowControlTests {

		@Override
		DataSource database() {
			return TestDatabases.postgres("bj_flow_it");
		}

	}

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class MariaDb extends FlowControlTests {

		@Override
		DataSource database() {
			return TestDatabases.mariadb("bj_flow_it");
		}

	}

	abstract static class FlowControlTests {

		private TestApplication.Cluster cluster;

		private DataSource dataSource;

		private ConfigurableApplicationContext first;

		private ConfigurableApplicationContext second;

		abstract DataSource database();

		// One pair of instances for the class: each test uses keys of its own.
		@BeforeAll
		void startInstances() {
			TestDatabases.ConnectionSettings database = TestDatabases.settings(database());
			this.dataSource = database.dataSource();
			TestApplication.Cluster.clearTables(this.dataSource);
			this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
				.with("test.durable-functions", "true")
				// Replaces the annotation's limit of 100.
				.with("background-jobs.functions.three-per-key.rate-limit.limit", "3")
				// Replaces the annotation's period of 1m: one start per second, and a
				// burst of one.
				.with("background-jobs.functions.throttled.throttle.period", "1s")
				// Replaces the annotation's period of 1m.
				.with("background-jobs.functions.debounced-burst.debounce.period", "3s");
			this.first = this.cluster.start();
			this.second = this.cluster.start();
		}

		@AfterAll
		void stopInstances() {
			if (this.cluster != null) {
				this.cluster.close();
			}
		}

		@Test
		void idempotencyKeyStartsOneRunPerWindowAcrossTwoInstances() {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String key = "order-" + UUID.randomUUID();
			String charged = publisher(first).send("test/charge", Job.simple(key));
			String duplicate = publisher(second).send("test/charge", Job.simple(key));
			await().atMost(TIMEOUT).until(() -> skipped(first, second, "charge-once", "idempotency") == 1);
			// The instances read the two events from different partitions: whichever
			// was recorded first runs, and the other starts no run.
			RunStore runs = first.getBean(RunStore.class);
			boolean chargedRan = runs.find(NewRun.deriveRunId("charge-once", charged)) != null;
			awaitStatus(first, "charge-once", chargedRan ? charged : duplicate, RunStatus.COMPLETED);
			assertThat(runs.find(NewRun.deriveRunId("charge-once", chargedRan ? duplicate : charged))).isNull();
			assertThat(this.cluster.probe.count(key, "charge")).isOne();
			// The window ends (moved rather than waited for): the next event with the key
			// runs.
			JdbcClient.create(this.dataSource)
				.sql("UPDATE bj_intake_gates SET window_end = :past")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.update();
			String afterWindow = publisher(second).send("test/charge", Job.simple(key));
			awaitStatus(second, "charge-once", afterWindow, RunStatus.COMPLETED);
			assertThat(this.cluster.probe.count(key, "charge")).isEqualTo(2);
			assertThat(skipped(first, second, "charge-once", "idempotency")).isOne();
		}

		@Test
		void rateLimitStartsTheLimitPerKeyAcrossTwoInstancesAndCountsTheSkippedEvents() {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String limited = "customer-" + UUID.randomUUID();
			String other = "customer-" + UUID.randomUUID();
			for (int i = 0; i < 5; i++) {
				publisher((i % 2 == 0) ? first : second).send("test/three-per-key", Job.simple(limited));
			}
			String otherEvent = publisher(first).send("test/three-per-key", Job.simple(other));
			await().atMost(TIMEOUT).until(() -> skipped(first, second, "three-per-key", "rate-limit") == 2);
			awaitStatus(first, "three-per-key", otherEvent, RunStatus.COMPLETED);
			await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(limited, "limited") == 3);
			assertThat(this.cluster.probe.count(other, "limited")).isOne();
			assertThat(first.getBean(RunStore.class).findRuns(new RunQuery(null, "three-per-key", null, 100)))
				.hasSize(4);
		}

		@Test
		void throttleSpacesTheStartsOfAKeyAcrossTwoInstancesAndDelaysRatherThanDrops() {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String key = "customer-" + UUID.randomUUID();
			String other = "customer-" + UUID.randomUUID();
			List<String> events = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				events.add(publisher((i % 2 == 0) ? first : second).send("test/throttled", Job.simple(key)));
			}
			String otherEvent = publisher(second).send("test/throttled", Job.simple(other));
			for (String event : events) {
				awaitStatus((events.indexOf(event) % 2 == 0) ? first : second, "throttled", event, RunStatus.COMPLETED);
			}
			awaitStatus(first, "throttled", otherEvent, RunStatus.COMPLETED);
			for (String event : events) {
				assertThat(this.cluster.probe.count(event, "throttled")).as(event).isOne();
			}
			List<Long> starts = new ArrayList<>(this.cluster.probe.starts(key));
			assertThat(starts).hasSize(8);
			starts.sort(null);
			// One start per second and a burst of one: 1 + 1 runs at once and 6 more a
			// second apart span 6 seconds, and no window shorter than the period holds
			// more than limit + burst = 2 of them; observed in the steps, less a
			// tolerance for a loaded machine.
			assertThat(Duration.ofNanos(starts.get(7) - starts.get(0))).isGreaterThan(Duration.ofSeconds(5));
			for (int i = 2; i < starts.size(); i++) {
				assertThat(Duration.ofNanos(starts.get(i) - starts.get(i - 2))).as("starts %d and %d", i - 2, i)
					.isGreaterThan(Duration.ofMillis(700));
			}
			// Every run's recorded start keeps the spacing exactly.
			List<Instant> recorded = new ArrayList<>();
			RunStore runs = first.getBean(RunStore.class);
			for (String event : events) {
				recorded.add(runs.find(NewRun.deriveRunId("throttled", event)).startedAt());
			}
			recorded.sort(null);
			for (int i = 2; i < recorded.size(); i++) {
				assertThat(Duration.between(recorded.get(i - 2), recorded.get(i)))
					.isGreaterThanOrEqualTo(Duration.ofMillis(900));
			}
		}

		@Test
		void debounceRunsABurstOnceWithItsLastEventAcrossTwoInstances() {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String key = "document-" + UUID.randomUUID();
			String other = "document-" + UUID.randomUUID();
			List<String> events = new ArrayList<>();
			for (int i = 0; i < 6; i++) {
				events.add(publisher((i % 2 == 0) ? first : second).send("test/debounced-burst", Job.simple(key)));
			}
			String otherEvent = publisher(second).send("test/debounced-burst", Job.simple(other));
			String last = events.get(events.size() - 1);
			RunRecord ran = awaitStatus(first, "debounced-burst", last, RunStatus.COMPLETED);
			assertThat(ran.output()).isEqualTo("\"" + last + "\"");
			awaitStatus(second, "debounced-burst", otherEvent, RunStatus.COMPLETED);
			RunStore runs = first.getBean(RunStore.class);
			// Every event was recorded; all but the last were superseded, none started.
			for (String event : events.subList(0, events.size() - 1)) {
				RunRecord superseded = runs.find(NewRun.deriveRunId("debounced-burst", event));
				assertThat(superseded).as(event).isNotNull();
				assertThat(superseded.status()).as(event).isEqualTo(RunStatus.CANCELLED);
				assertThat(superseded.error()).as(event).startsWith("debounced: superseded by event ");
				assertThat(superseded.startedAt()).as(event).isNull();
			}
			assertThat(this.cluster.probe.count(key, "debounced")).isOne();
			assertThat(this.cluster.probe.count(other, "debounced")).isOne();
		}

		@Test
		void debounceTimeoutRunsASteadyStreamAtLeastOncePerTimeout() throws InterruptedException {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String key = "document-" + UUID.randomUUID();
			List<String> events = new ArrayList<>();
			// An event every 300 ms for 6 s: never a quiet second, so without the
			// timeout of 2 s only the last event would run.
			long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
			while (System.nanoTime() < end) {
				events.add(publisher((events.size() % 2 == 0) ? first : second).send("test/debounced-stream",
						Job.simple(key)));
				Thread.sleep(300);
			}
			String last = events.get(events.size() - 1);
			awaitStatus(first, "debounced-stream", last, RunStatus.COMPLETED);
			RunStore runs = first.getBean(RunStore.class);
			int completed = 0;
			for (String event : events) {
				RunRecord run = runs.find(NewRun.deriveRunId("debounced-stream", event));
				assertThat(run).as(event).isNotNull();
				if (run.status() == RunStatus.COMPLETED) {
					completed++;
				}
				else {
					assertThat(run.status()).as(event).isEqualTo(RunStatus.CANCELLED);
				}
			}
			// Bursts end by the timeout at about 2 s and 4 s, and the last one when the
			// stream stops.
			assertThat(completed).isGreaterThanOrEqualTo(3);
			assertThat(this.cluster.probe.count(key, "debounced")).isEqualTo(completed);
		}

		private static EventPublisher publisher(ConfigurableApplicationContext context) {
			return context.getBean(EventPublisher.class);
		}

		private static double skipped(ConfigurableApplicationContext first, ConfigurableApplicationContext second,
				String functionId, String reason) {
			double skipped = 0;
			for (ConfigurableApplicationContext context : List.of(first, second)) {
				Counter counter = context.getBean(MeterRegistry.class)
					.find("background-jobs.runs.skipped")
					.tag("function", functionId)
					.tag("reason", reason)
					.counter();
				skipped += (counter != null) ? counter.count() : 0;
			}
			return skipped;
		}

	}

}
