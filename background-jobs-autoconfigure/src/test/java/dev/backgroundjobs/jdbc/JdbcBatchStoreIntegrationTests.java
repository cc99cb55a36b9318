package dev.backgroundjobs.jdbc;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.engine.Faults;
import dev.backgroundjobs.store.BatchedEvent;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link JdbcBatchStore} against every supported database: batches
 * by size and by timeout, per key, and every event in exactly one batch across
 * redeliveries and concurrent transactions.
 */
class JdbcBatchStoreIntegrationTests {

	private static final String SCHEMA = "bj_batch_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Duration LEASE = Duration.ofMinutes(1);

	private static final JsonMapper json = JsonMapper.builder().build();

	@Nested
	class H2 extends BatchTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends BatchTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends BatchTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class BatchTests {

		JdbcBatchStore batches;

		JdbcRetentionStore retention;

		JdbcClient jdbc;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			this.jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_steps", "bj_batch_events", "bj_batches", "bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.batches = new JdbcBatchStore(dataSource, dialect, new JdbcTransactionManager(dataSource));
			this.retention = new JdbcRetentionStore(dataSource, dialect);
		}

		@Test
		void batchRunsWhenItHoldsMaxSizeEvents() {
			List<BatchedEvent> events = events("", 0, 10);
			List<NewRun> runs = this.batches.add(events.subList(0, 4), 5, "owner-a", LEASE);
			assertThat(runs).isEmpty();
			runs = this.batches.add(events.subList(4, 10), 5, "owner-a", LEASE);
			assertThat(runs).hasSize(2);
			assertThat(eventIdsOf(runs.get(0))).containsExactly("e0", "e1", "e2", "e3", "e4");
			assertThat(eventIdsOf(runs.get(1))).containsExactly("e5", "e6", "e7", "e8", "e9");
			assertThat(runs.get(0).eventId()).endsWith(":1");
			assertThat(runs.get(1).eventId()).endsWith(":2").startsWith("batch:");
			assertThat(storedRuns()).containsOnlyKeys(runs.get(0).runId(), runs.get(1).runId())
				.containsValue(RunStatus.RUNNING.name());
			assertThat(openEvents()).isZero();
		}

		@Test
		void runOfABatchHoldsItsEventsAsTheRunsData() throws Exception {
			List<BatchedEvent> events = List.of(
					new BatchedEvent("fn", "", "a", "shop/item.viewed", "{\"item\":1}",
							Instant.parse("2026-01-01T00:00:00Z"), "{\"traceparent\":\"x\"}"),
					new BatchedEvent("fn", "", "b\"q", "shop/item.viewed", "[1,\"two\"]",
							Instant.parse("2026-01-01T00:00:01Z"), null));
			NewRun run = this.batches.add(events, 2, "owner-a", LEASE).get(0);
			String stored = this.jdbc.sql("SELECT event_data FROM bj_runs WHERE run_id = :id")
				.param("id", run.runId())
				.query(String.class)
				.single();
			JsonNode array = json.readTree(stored);
			assertThat(array.get(0).get("id").asString()).isEqualTo("a");
			assertThat(array.get(0).get("data").get("item").asInt()).isEqualTo(1);
			assertThat(array.get(0).get("timestamp").asString()).isEqualTo("2026-01-01T00:00:00Z");
			assertThat(array.get(1).get("id").asString()).isEqualTo("b\"q");
			assertThat(array.get(1).get("data").get(1).asString()).isEqualTo("two");
			assertThat(run.eventName()).isEqualTo("shop/item.viewed");
			assertThat(run.traceContext()).isEqualTo("{\"traceparent\":\"x\"}");
		}

		@Test
		void redeliveredEventsAreInNoSecondBatch() {
			List<BatchedEvent> events = events("", 0, 5);
			this.batches.add(events.subList(0, 3), 5, "owner-a", LEASE);
			List<NewRun> runs = this.batches.add(events, 5, "owner-b", LEASE);
			assertThat(runs).hasSize(1);
			assertThat(eventIdsOf(runs.get(0))).containsExactly("e0", "e1", "e2", "e3", "e4");
			assertThat(this.batches.add(events, 5, "owner-b", LEASE)).isEmpty();
			assertThat(this.batches.add(events.subList(0, 1), 1, "owner-b", LEASE)).isEmpty();
			assertThat(openEvents()).isZero();
		}

		@Test
		void eventsOfDifferentKeysNeverShareABatch() {
			List<BatchedEvent> events = new ArrayList<>();
			for (int i = 0; i < 6; i++) {
				events.add(event((i % 2 == 0) ? "s:alice" : "s:bob", "e" + i));
			}
			List<NewRun> runs = this.batches.add(events, 3, "owner-a", LEASE);
			assertThat(runs).hasSize(2);
			assertThat(runs).extracting(this::eventIdsOf)
				.containsExactlyInAnyOrder(List.of("e0", "e2", "e4"), List.of("e1", "e3", "e5"));
		}

		@Test
		void batchRunsWithTheEventsItHoldsOnceItsTimeoutPassed() {
			this.batches.add(events("s:alice", 0, 3), 100, "owner-a", LEASE);
			this.batches.add(events("s:bob", 3, 1), 100, "owner-a", LEASE);
			assertThat(this.batches.closeDue("fn", 100, Duration.ofHours(1), 10, "owner-a", LEASE)).isEmpty();
			backdateOpenBatches("s:alice");
			List<NewRun> runs = this.batches.closeDue("fn", 100, Duration.ofHours(1), 10, "owner-a", LEASE);
			assertThat(runs).hasSize(1);
			assertThat(eventIdsOf(runs.get(0))).containsExactly("e0", "e1", "e2");
			assertThat(this.batches.closeDue("fn", 100, Duration.ofHours(1), 10, "owner-a", LEASE)).isEmpty();
			assertThat(openEvents()).isOne();
			List<NewRun> next = this.batches.add(events("s:alice", 10, 2), 2, "owner-a", LEASE);
			assertThat(next).hasSize(1);
			assertThat(next.get(0).eventId()).endsWith(":2");
			assertThat(eventIdsOf(next.get(0))).containsExactly("e10", "e11");
		}

		@Test
		void timeoutOfAKeyCountsFromItsOldestEventInNoBatch() {
			this.batches.add(events("", 0, 3), 2, "owner-a", LEASE);
			assertThat(openEvents()).isOne();
			Timestamp openedAt = this.jdbc.sql("SELECT opened_at FROM bj_batches").query(Timestamp.class).single();
			Timestamp receivedAt = this.jdbc.sql("SELECT received_at FROM bj_batch_events WHERE event_id = 'e2'")
				.query(Timestamp.class)
				.single();
			assertThat(openedAt).isEqualTo(receivedAt);
		}

		@Test
		void concurrentAddsOfOverlappingEventsPutEveryEventInExactlyOneBatch() throws Exception {
			List<BatchedEvent> all = new ArrayList<>();
			for (int i = 0; i < 120; i++) {
				all.add(event("s:key-" + (i % 3), "e" + i));
			}
			ExecutorService executor = Executors.newFixedThreadPool(4);
			List<NewRun> runs = Collections.synchronizedList(new ArrayList<>());
			try {
				CyclicBarrier barrier = new CyclicBarrier(4);
				List<Future<?>> results = new ArrayList<>();
				for (int worker = 0; worker < 4; worker++) {
					List<BatchedEvent> mine = new ArrayList<>(all);
					Collections.shuffle(mine, new Random(worker));
					String owner = "owner-" + worker;
					results.add(executor.submit(() -> {
						barrier.await(10, TimeUnit.SECONDS);
						for (int from = 0; from < mine.size(); from += 10) {
							List<BatchedEvent> poll = mine.subList(from, Math.min(mine.size(), from + 10));
							addRetryingTransientFailures(poll, runs, owner);
						}
						return null;
					}));
				}
				for (Future<?> result : results) {
					result.get(120, TimeUnit.SECONDS);
				}
			}
			finally {
				executor.shutdownNow();
			}
			backdateOpenBatches(null);
			runs.addAll(this.batches.closeDue("fn", 7, Duration.ofHours(1), 10, "owner-a", LEASE));
			Map<String, String> batchOfEvent = new HashMap<>();
			for (NewRun run : runs) {
				List<String> ids = eventIdsOf(run);
				assertThat(ids).hasSizeLessThanOrEqualTo(7);
				assertThat(ids.stream().map((id) -> Integer.parseInt(id.substring(1)) % 3).distinct()).hasSize(1);
				for (String id : ids) {
					assertThat(batchOfEvent.put(id, run.runId())).as("batch of event " + id).isNull();
				}
			}
			assertThat(batchOfEvent).hasSize(all.size());
			assertThat(storedRuns()).hasSize(runs.size());
			assertThat(openEvents()).isZero();
		}

		@Test
		void retentionDeletesTheEventsOfDeletedRuns() {
			NewRun run = this.batches.add(events("", 0, 2), 2, "owner-a", LEASE).get(0);
			this.batches.add(events("", 5, 1), 2, "owner-a", LEASE);
			this.jdbc
				.sql("UPDATE bj_runs SET status = 'COMPLETED', lease_owner = NULL, lease_until = NULL, "
						+ "finished_at = :past WHERE run_id = :id")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.param("id", run.runId())
				.update();
			assertThat(this.retention.deleteFinishedRuns(RunStatus.COMPLETED, Duration.ofDays(1), 100).runs()).isOne();
			assertThat(this.jdbc.sql("SELECT event_id FROM bj_batch_events").query(String.class).list())
				.containsExactly("e5");
		}

		private void addRetryingTransientFailures(List<BatchedEvent> poll, List<NewRun> runs, String owner) {
			while (true) {
				try {
					runs.addAll(this.batches.add(poll, 7, owner, LEASE));
					return;
				}
				catch (RuntimeException ex) {
					// A deadlock is retried, as the intake retries the poll.
					if (!Faults.isTransient(ex)) {
						throw ex;
					}
				}
			}
		}

		private List<BatchedEvent> events(String key, int from, int count) {
			List<BatchedEvent> events = new ArrayList<>();
			for (int i = from; i < from + count; i++) {
				events.add(event(key, "e" + i));
			}
			return events;
		}

		private static BatchedEvent event(String key, String id) {
			return new BatchedEvent("fn", key, id, "test/event", "{\"id\":\"" + id + "\"}", Instant.now(), null);
		}

		private List<String> eventIdsOf(NewRun run) {
			List<String> ids = new ArrayList<>();
			json.readTree(run.eventData()).forEach((event) -> ids.add(event.get("id").asString()));
			return ids;
		}

		private Map<String, String> storedRuns() {
			Map<String, String> runs = new HashMap<>();
			this.jdbc.sql("SELECT run_id, status FROM bj_runs")
				.query((rs, rowNum) -> runs.put(rs.getString("run_id"), rs.getString("status")))
				.list();
			return runs;
		}

		private long openEvents() {
			return this.jdbc.sql("SELECT COUNT(*) FROM bj_batch_events WHERE batch_run_id IS NULL")
				.query(Long.class)
				.single();
		}

		/**
		 * Makes the open batches of a key, or of all keys, look opened long ago.
		 */
		private void backdateOpenBatches(@Nullable String key) {
			String sql = "UPDATE bj_batches SET opened_at = :past WHERE opened_at IS NOT NULL";
			this.jdbc.sql((key != null) ? sql + " AND batch_key = :key" : sql)
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.param("key", (key != null) ? JdbcBatchStore.digest("fn", key) : "")
				.update();
		}

	}

}
