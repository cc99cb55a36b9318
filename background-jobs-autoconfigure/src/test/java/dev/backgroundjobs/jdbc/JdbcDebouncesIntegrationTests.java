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

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.NewRun.Debounce;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore.GatedInsert;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the debounces of {@link JdbcRunStore#insertLeasedGated} against
 * every supported database: the latest event of a key is held back and replaces the one
 * held before, an older event never replaces a newer one, a started run ends the burst,
 * and concurrent inserts leave one held-back run per key.
 */
class JdbcDebouncesIntegrationTests {

	private static final String SCHEMA = "bj_debounce_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Duration LEASE = Duration.ofMinutes(1);

	private static final Instant LONG_AGO = Instant.parse("2000-01-01T00:00:00Z");

	@Nested
	class H2 extends DebounceTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends DebounceTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends DebounceTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class DebounceTests {

		JdbcRunStore runs;

		JdbcClient jdbc;

		JdbcRetentionStore retention;

		int sequence;

		Instant eventTime = Instant.parse("2026-01-01T00:00:00Z");

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			this.jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_debounces", "bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.retention = new JdbcRetentionStore(dataSource, dialect);
		}

		@Test
		void burstHoldsBackOnlyItsLatestEvent() {
			List<NewRun> burst = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				burst.add(run(debounce("doc-1", null)));
			}
			GatedInsert result = insert(burst);
			assertThat(result.inserted()).isEmpty();
			assertThat(result.delayed()).hasSize(5);
			NewRun latest = burst.get(4);
			RunRecord held = find(latest);
			assertThat(held.status()).isEqualTo(RunStatus.DELAYED);
			assertThat(held.leaseOwner()).isNull();
			assertThat(held.startedAt()).isNull();
			assertThat(held.error()).startsWith("debounced: waits for no new event for key 'doc-1' for 1h; starts at ");
			assertThat(Duration.between(Instant.now(), held.wakeAt())).isBetween(Duration.ofMinutes(59),
					Duration.ofMinutes(61));
			for (NewRun run : burst.subList(0, 4)) {
				RunRecord cancelled = find(run);
				assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
				assertThat(cancelled.error()).isEqualTo("debounced: superseded by event " + latest.eventId());
				assertThat(cancelled.leaseOwner()).isNull();
			}
		}

		@Test
		void newerEventReplacesTheHeldRunAndTheTimeoutCountsFromTheBurstsFirstEvent() {
			NewRun first = run(debounce("doc-1", Duration.ofHours(2)));
			insert(List.of(first));
			// The burst began long ago: its timeout has passed, so the next run is due
			// at once rather than an hour from now.
			this.jdbc.sql("UPDATE bj_debounces SET first_at = :longAgo")
				.param("longAgo", Timestamp.from(LONG_AGO))
				.update();
			NewRun second = run(debounce("doc-1", Duration.ofHours(2)));
			insert(List.of(second));
			assertThat(find(first).status()).isEqualTo(RunStatus.CANCELLED);
			assertThat(find(first).error()).isEqualTo("debounced: superseded by event " + second.eventId());
			RunRecord held = find(second);
			assertThat(held.status()).isEqualTo(RunStatus.DELAYED);
			assertThat(held.wakeAt()).isEqualTo(LONG_AGO.plus(Duration.ofHours(2)));
		}

		@Test
		void olderEventNeverReplacesANewerOne() {
			NewRun newer = run(debounce("doc-1", null));
			NewRun older = new NewRun("run-older", "fn", "event-older", "test/event", "{}",
					newer.eventTime().minusSeconds(1), null, List.of(), List.of(), null, null, newer.debounce());
			insert(List.of(newer));
			insert(List.of(older));
			assertThat(find(newer).status()).isEqualTo(RunStatus.DELAYED);
			assertThat(find(older).status()).isEqualTo(RunStatus.CANCELLED);
			assertThat(find(older).error()).isEqualTo("debounced: superseded by event " + newer.eventId());
			// A redelivery of either event changes nothing.
			assertThat(insert(List.of(older, newer)).delayed()).isEmpty();
			assertThat(find(newer).status()).isEqualTo(RunStatus.DELAYED);
		}

		@Test
		void runThatStartedEndsTheBurstAndTheNextEventBeginsANewOne() {
			NewRun first = run(debounce("doc-1", null));
			insert(List.of(first));
			this.jdbc.sql("UPDATE bj_runs SET wake_at = :longAgo WHERE run_id = :runId")
				.param("longAgo", Timestamp.from(LONG_AGO))
				.param("runId", first.runId())
				.update();
			assertThat(this.runs.claimDue("owner-b", LEASE, 10, List.of("fn"), null, (runId) -> false))
				.extracting(RunRecord::runId)
				.containsExactly(first.runId());
			NewRun second = run(debounce("doc-1", null));
			insert(List.of(second));
			assertThat(find(first).status()).isEqualTo(RunStatus.QUEUED);
			assertThat(find(first).leaseOwner()).isEqualTo("owner-b");
			assertThat(find(second).status()).isEqualTo(RunStatus.DELAYED);
		}

		@Test
		void heldRunThatIsDueIsLeftToStartAndTheNextEventBeginsANewBurst() {
			NewRun first = run(debounce("doc-1", Duration.ofHours(2)));
			insert(List.of(first));
			// Due, by its timeout or its quiet period, but not claimed by a poller yet.
			this.jdbc.sql("UPDATE bj_debounces SET wake_at = :longAgo")
				.param("longAgo", Timestamp.from(LONG_AGO))
				.update();
			this.jdbc.sql("UPDATE bj_runs SET wake_at = :longAgo WHERE run_id = :runId")
				.param("longAgo", Timestamp.from(LONG_AGO))
				.param("runId", first.runId())
				.update();
			NewRun second = run(debounce("doc-1", Duration.ofHours(2)));
			insert(List.of(second));
			assertThat(find(first).status()).isEqualTo(RunStatus.DELAYED);
			assertThat(find(second).status()).isEqualTo(RunStatus.DELAYED);
			assertThat(this.runs.claimDue("owner-b", LEASE, 10, List.of("fn"), null, (runId) -> false))
				.extracting(RunRecord::runId)
				.containsExactly(first.runId());
			// The next event replaces the run of the new burst, not the one that started.
			NewRun third = run(debounce("doc-1", Duration.ofHours(2)));
			insert(List.of(third));
			assertThat(find(second).status()).isEqualTo(RunStatus.CANCELLED);
			assertThat(find(first).status()).isEqualTo(RunStatus.QUEUED);
		}

		@Test
		void keysAreDebouncedIndependently() {
			NewRun a = run(debounce("doc-a", null));
			NewRun b = run(debounce("doc-b", null));
			insert(List.of(a, b));
			assertThat(find(a).status()).isEqualTo(RunStatus.DELAYED);
			assertThat(find(b).status()).isEqualTo(RunStatus.DELAYED);
			NewRun a2 = run(debounce("doc-a", null));
			insert(List.of(a2));
			assertThat(find(a).status()).isEqualTo(RunStatus.CANCELLED);
			assertThat(find(b).status()).isEqualTo(RunStatus.DELAYED);
		}

		@Test
		void concurrentInsertsOfOneKeyLeaveOneHeldRunWithTheLatestEvent() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			List<NewRun> all = new ArrayList<>();
			try {
				for (int round = 0; round < 10; round++) {
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<GatedInsert>> results = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						List<NewRun> batch = List.of(run(debounce("race", null)), run(debounce("race", null)));
						all.addAll(batch);
						results.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.insertLeasedGated(batch, "owner-" + batch.get(0).runId(), LEASE);
						}));
					}
					for (Future<GatedInsert> result : results) {
						assertThat(result.get(30, TimeUnit.SECONDS).inserted()).isEmpty();
					}
				}
			}
			finally {
				executor.shutdownNow();
			}
			List<String> held = new ArrayList<>();
			for (NewRun run : all) {
				RunRecord record = find(run);
				if (record.status() == RunStatus.DELAYED) {
					held.add(run.runId());
				}
				else {
					assertThat(record.status()).isEqualTo(RunStatus.CANCELLED);
				}
			}
			// Event times grow with each run: the last one created is the latest.
			assertThat(held).containsExactly(all.get(all.size() - 1).runId());
		}

		@Test
		void retentionDeletesDebouncesWhoseRunIsDue() {
			insert(List.of(run(debounce("doc-1", null))));
			insert(List.of(run(debounce("doc-2", null))));
			assertThat(this.retention.deletePassedDebounces(100)).isZero();
			this.jdbc.sql("UPDATE bj_debounces SET wake_at = :longAgo")
				.param("longAgo", Timestamp.from(LONG_AGO))
				.update();
			insert(List.of(run(debounce("doc-3", null))));
			assertThat(this.retention.deletePassedDebounces(100)).isEqualTo(2);
			assertThat(this.jdbc.sql("SELECT COUNT(*) FROM bj_debounces").query(Long.class).single()).isOne();
		}

		private GatedInsert insert(List<NewRun> runs) {
			return this.runs.insertLeasedGated(runs, "owner-a", LEASE);
		}

		private RunRecord find(NewRun run) {
			RunRecord record = this.runs.find(run.runId());
			assertThat(record).isNotNull();
			return record;
		}

		private synchronized NewRun run(Debounce debounce) {
			String runId = "run-" + (++this.sequence);
			this.eventTime = this.eventTime.plusMillis(1);
			return new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", this.eventTime, null, List.of(),
					List.of(), null, null, debounce);
		}

		private static Debounce debounce(String key, Duration timeout) {
			return new Debounce(key, Duration.ofHours(1), timeout);
		}

	}

}
