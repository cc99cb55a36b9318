package dev.backgroundjobs.it;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static dev.backgroundjobs.it.RunAwait.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of batching ({@code @EventHandler(batch = @Batch(...))}) with a real
 * broker, two instances reading the same topics and a real database: batches by size and
 * by timeout, per key, every event in exactly one batch, and a failed batch run that
 * resumes at its failed step with the same events.
 */
class BatchingIntegrationTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class PostgreSql extends BatchingTests {

		@Override
		DataSource database() {
			return TestDatabases.postgres("bj_batch_it");
		}

	}

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class MariaDb extends BatchingTests {

		@Override
		DataSource database() {
			return TestDatabases.mariadb("bj_batch_it");
		}

	}

	abstract static class BatchingTests {

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
			this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password());
			this.first = this.cluster.start(WebApplicationType.NONE, BatchTestFunctions.Config.class);
			this.second = this.cluster.start(WebApplicationType.NONE, BatchTestFunctions.Config.class);
		}

		@AfterAll
		void stopInstances() {
			if (this.cluster != null) {
				this.cluster.close();
			}
		}

		@Test
		void everyEventIsInExactlyOneFullBatchOfItsKeyAcrossTwoInstances() {
			List<String> keys = List.of(key(), key(), key(), key());
			Map<String, String> keyOfEvent = new HashMap<>();
			for (int i = 0; i < 40; i++) {
				String key = keys.get(i % keys.size());
				keyOfEvent.put(
						publisher((i % 2 == 0) ? this.first : this.second).send("test/batch-size", Job.simple(key)),
						key);
			}
			await().atMost(TIMEOUT).until(() -> completedRuns("batch-by-size", keyOfEvent.keySet()).size() == 8);
			Map<String, String> batchOfEvent = new HashMap<>();
			for (RunRecord run : completedRuns("batch-by-size", keyOfEvent.keySet())) {
				List<String> events = eventIds(run);
				assertThat(events).hasSize(5);
				assertThat(events.stream().map(keyOfEvent::get).distinct()).as("keys of " + run.eventId()).hasSize(1);
				assertThat(run.output()).isEqualTo("5");
				events.forEach((event) -> assertThat(batchOfEvent.put(event, run.runId())).isNull());
			}
			assertThat(batchOfEvent).containsOnlyKeys(keyOfEvent.keySet());
			keyOfEvent.keySet().forEach((event) -> assertThat(this.cluster.probe.count(event, "batched")).isOne());
		}

		@Test
		void batchThatDoesNotFillRunsWithItsEventsOnceItsTimeoutPassed() {
			String key = key();
			Set<String> events = new HashSet<>();
			for (int i = 0; i < 3; i++) {
				events.add(
						publisher((i % 2 == 0) ? this.first : this.second).send("test/batch-timeout", Job.simple(key)));
			}
			await().atMost(TIMEOUT).until(() -> waitingEvents("batch-by-timeout", events) == 3);
			assertThat(completedRuns("batch-by-timeout", events)).isEmpty();
			// The timeout of 1h passes (moved rather than waited for): a sweep runs it.
			this.jdbc()
				.sql("UPDATE bj_batches SET opened_at = :past WHERE function_id = 'batch-by-timeout' "
						+ "AND opened_at IS NOT NULL")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.update();
			await().atMost(TIMEOUT).until(() -> completedRuns("batch-by-timeout", events).size() == 1);
			RunRecord run = completedRuns("batch-by-timeout", events).get(0);
			assertThat(eventIds(run)).containsExactlyInAnyOrderElementsOf(events);
			events.forEach((event) -> assertThat(this.cluster.probe.count(event, "batched")).isOne());
		}

		@Test
		void batchRunsAfterItsTimeoutOnTheClock() {
			String event = publisher(this.second).send("test/batch-soon", Job.simple(key()));
			await().atMost(TIMEOUT).until(() -> completedRuns("batch-soon", Set.of(event)).size() == 1);
			assertThat(eventIds(completedRuns("batch-soon", Set.of(event)).get(0))).containsExactly(event);
		}

		@Test
		void failedBatchIsADeadLetterThatResumesAtTheFailedStepWithTheSameEvents() {
			Set<String> events = new HashSet<>();
			for (int i = 0; i < 3; i++) {
				events.add(
						publisher((i % 2 == 0) ? this.first : this.second).send("test/batch-flaky", Job.simple(key())));
			}
			await().atMost(TIMEOUT).until(() -> runs("batch-flaky", events, RunStatus.FAILED).size() == 1);
			RunRecord failed = runs("batch-flaky", events, RunStatus.FAILED).get(0);
			assertThat(this.first.getBean(DeadLetterOperations.class).replay(failed.runId())).isTrue();
			await().atMost(TIMEOUT).until(() -> completedRuns("batch-flaky", events).size() == 1);
			for (String event : events) {
				assertThat(this.cluster.probe.count(event, "first")).as("first step of " + event).isOne();
				assertThat(this.cluster.probe.count(event, "attempt")).as("attempts with " + event).isEqualTo(2);
			}
			assertThat(this.cluster.probe.count(failed.runId(), "flaky")).isEqualTo(2);
		}

		private List<RunRecord> completedRuns(String functionId, Set<String> events) {
			return runs(functionId, events, RunStatus.COMPLETED);
		}

		/**
		 * Returns the runs of a function with a status that hold any of the events.
		 */
		private List<RunRecord> runs(String functionId, Set<String> events, RunStatus status) {
			List<RunRecord> runs = new ArrayList<>();
			for (RunRecord run : this.first.getBean(RunStore.class)
				.findRuns(new RunQuery(status, functionId, null, 1000, null, null, null))) {
				if (eventIds(run).stream().anyMatch(events::contains)) {
					runs.add(run);
				}
			}
			return runs;
		}

		private long waitingEvents(String functionId, Set<String> events) {
			return this.jdbc()
				.sql("SELECT COUNT(*) FROM bj_batch_events WHERE function_id = :functionId AND event_id IN (:ids) "
						+ "AND batch_run_id IS NULL")
				.param("functionId", functionId)
				.param("ids", events)
				.query(Long.class)
				.single();
		}

		private static List<String> eventIds(RunRecord run) {
			List<String> ids = new ArrayList<>();
			json.readTree(run.eventData()).forEach((event) -> ids.add(event.get("id").asString()));
			return ids;
		}

		private JdbcClient jdbc() {
			return JdbcClient.create(this.dataSource);
		}

		private static String key() {
			return "key-" + UUID.randomUUID();
		}

		private static EventPublisher publisher(ConfigurableApplicationContext context) {
			return context.getBean(EventPublisher.class);
		}

	}

}
