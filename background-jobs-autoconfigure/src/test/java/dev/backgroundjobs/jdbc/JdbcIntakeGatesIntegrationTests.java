package dev.backgroundjobs.jdbc;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.NewRun.Gate;
import dev.backgroundjobs.store.RunStore.GatedInsert;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the gates of {@link JdbcRunStore#insertLeasedGated} (idempotency
 * keys and rate limits) against every supported database: counted with the run insert,
 * once per run, across concurrent inserts.
 */
class JdbcIntakeGatesIntegrationTests {

	private static final String SCHEMA = "bj_gate_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Duration LEASE = Duration.ofMinutes(1);

	@Nested
	class H2 extends GateTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends GateTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends GateTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class GateTests {

		JdbcRunStore runs;

		JdbcClient jdbc;

		JdbcRetentionStore retention;

		int sequence;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			this.jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_cancel_keys", "bj_intake_gates", "bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.retention = new JdbcRetentionStore(dataSource, dialect);
		}

		@Test
		void idempotencyKeyStartsOneRunPerWindowWhateverTheEventIds() {
			GatedInsert first = insert(run(idempotency("s:order-1")), run(idempotency("s:order-1")));
			assertThat(first.inserted()).hasSize(1);
			assertThat(first.skipped()).hasSize(1).containsValue("idempotency");
			assertThat(insert(run(idempotency("s:order-1"))).skipped()).hasSize(1);
			assertThat(insert(run(idempotency("s:order-2"))).inserted()).hasSize(1);
			endWindows();
			NewRun afterWindow = run(idempotency("s:order-1"));
			assertThat(insert(afterWindow).inserted()).containsExactly(afterWindow.runId());
			assertThat(insert(run(idempotency("s:order-1"))).skipped()).hasSize(1);
			assertThat(runCount()).isEqualTo(3);
		}

		@Test
		void rateLimitStartsAtMostTheLimitPerKeyAndPeriod() {
			List<NewRun> burst = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				burst.add(run(rateLimit("s:customer-a", 3)));
			}
			burst.add(run(rateLimit("s:customer-b", 3)));
			GatedInsert result = this.runs.insertLeasedGated(burst, "owner-a", LEASE);
			// The earliest events of a key in the poll are the ones that pass.
			assertThat(result.inserted()).containsExactly(burst.get(0).runId(), burst.get(1).runId(),
					burst.get(2).runId(), burst.get(5).runId());
			assertThat(result.skipped()).containsOnlyKeys(burst.get(3).runId(), burst.get(4).runId())
				.containsValue("rate-limit");
			assertThat(insert(run(rateLimit("s:customer-a", 3))).skipped()).hasSize(1);
			endWindows();
			assertThat(insert(run(rateLimit("s:customer-a", 3))).inserted()).hasSize(1);
			assertThat(runCount()).isEqualTo(5);
		}

		@Test
		void redeliveredEventIsNotCountedAgain() {
			NewRun first = run(rateLimit("s:customer-a", 2));
			assertThat(insert(first).inserted()).containsExactly(first.runId());
			GatedInsert again = insert(first);
			assertThat(again.inserted()).isEmpty();
			assertThat(again.skipped()).isEmpty();
			assertThat(insert(run(rateLimit("s:customer-a", 2))).inserted()).hasSize(1);
			assertThat(insert(run(rateLimit("s:customer-a", 2))).skipped()).hasSize(1);
		}

		@Test
		void runKeptOutByOneGateIsNotCountedInItsOthers() {
			assertThat(insert(run(idempotency("s:order-1"), rateLimit("", 1))).inserted()).hasSize(1);
			assertThat(insert(run(idempotency("s:order-2"), rateLimit("", 1))).skipped()).containsValue("rate-limit");
			this.jdbc.sql("UPDATE bj_intake_gates SET hits = 0").update();
			// order-2 was not claimed by the run the rate limit kept out.
			assertThat(insert(run(idempotency("s:order-2"), rateLimit("", 1))).inserted()).hasSize(1);
		}

		@Test
		void concurrentInsertsWithOneKeyStartOneRun() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			try {
				for (int round = 0; round < 10; round++) {
					String key = "s:race-" + round;
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<GatedInsert>> results = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						NewRun run = run(idempotency(key));
						results.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.insertLeasedGated(List.of(run), "owner-" + run.runId(), LEASE);
						}));
					}
					int inserted = 0;
					int skipped = 0;
					for (Future<GatedInsert> result : results) {
						inserted += result.get(30, TimeUnit.SECONDS).inserted().size();
						skipped += result.get().skipped().size();
					}
					assertThat(inserted).as("round " + round).isEqualTo(1);
					assertThat(skipped).as("round " + round).isEqualTo(1);
				}
			}
			finally {
				executor.shutdownNow();
			}
			assertThat(runCount()).isEqualTo(10);
		}

		@Test
		void retentionDeletesOnlyEndedWindows() {
			insert(run(idempotency("s:order-1")));
			insert(run(idempotency("s:order-2")));
			assertThat(this.retention.deleteEndedGateWindows(100)).isZero();
			endWindows();
			insert(run(idempotency("s:order-3")));
			assertThat(this.retention.deleteEndedGateWindows(100)).isEqualTo(2);
			assertThat(this.jdbc.sql("SELECT COUNT(*) FROM bj_intake_gates").query(Long.class).single()).isOne();
		}

		private GatedInsert insert(NewRun... runs) {
			return this.runs.insertLeasedGated(List.of(runs), "owner-a", LEASE);
		}

		private NewRun run(Gate... gates) {
			String runId = "run-" + (++this.sequence);
			return new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", Instant.now(), null, List.of(),
					List.of(gates));
		}

		private static Gate idempotency(String key) {
			return new Gate("idempotency", key, 1, Duration.ofHours(24));
		}

		private static Gate rateLimit(String key, int limit) {
			return new Gate("rate-limit", key, limit, Duration.ofMinutes(1));
		}

		private void endWindows() {
			this.jdbc.sql("UPDATE bj_intake_gates SET window_end = :past")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.update();
		}

		private long runCount() {
			return this.jdbc.sql("SELECT COUNT(*) FROM bj_runs").query(Long.class).single();
		}

	}

}
