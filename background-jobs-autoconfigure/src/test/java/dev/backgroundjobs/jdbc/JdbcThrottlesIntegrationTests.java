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
import dev.backgroundjobs.store.NewRun.Throttle;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore.GatedInsert;
import dev.backgroundjobs.store.RunStore.HeldRun;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the throttles of {@link JdbcRunStore#insertLeasedGated} against
 * every supported database: start times assigned in the transaction that records the
 * runs, spaced by period / limit per key, with the burst at once, and never closer across
 * concurrent inserts.
 */
class JdbcThrottlesIntegrationTests {

	private static final String SCHEMA = "bj_throttle_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Duration LEASE = Duration.ofMinutes(1);

	// MariaDB reads the clock per statement: a run that starts at once was inserted a
	// moment before its throttle was advanced.
	private static final Duration TOLERANCE = Duration.ofSeconds(1);

	@Nested
	class H2 extends ThrottleTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends ThrottleTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends ThrottleTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class ThrottleTests {

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
			for (String table : List.of("bj_throttles", "bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.retention = new JdbcRetentionStore(dataSource, dialect);
		}

		@Test
		void runsAboveTheLimitAreDelayedOneSpacingApart() {
			List<NewRun> burst = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				burst.add(run(throttle("customer-a", 10, 0)));
			}
			GatedInsert result = insert(burst);
			assertThat(result.inserted()).containsExactly(burst.get(0).runId());
			assertThat(result.delayed()).containsExactly(burst.get(1).runId(), burst.get(2).runId(),
					burst.get(3).runId(), burst.get(4).runId());
			RunRecord first = find(burst.get(0));
			assertThat(first.status()).isEqualTo(RunStatus.RUNNING);
			Instant second = find(burst.get(1)).wakeAt();
			assertThat(Duration.between(first.startedAt(), second)).isBetween(Duration.ofMillis(100), TOLERANCE);
			for (int i = 1; i < 5; i++) {
				RunRecord delayed = find(burst.get(i));
				assertThat(delayed.status()).isEqualTo(RunStatus.DELAYED);
				assertThat(delayed.leaseOwner()).isNull();
				assertThat(delayed.startedAt()).isNull();
				assertThat(delayed.attempt()).isZero();
				assertThat(delayed.error()).startsWith("throttled: 10 starts per 1s for key 'customer-a'; starts at ");
				// One start each period / limit = 100 ms.
				assertThat(Duration.between(second, delayed.wakeAt())).isEqualTo(Duration.ofMillis(100 * (i - 1)));
			}
			assertThat(result.skipped()).isEmpty();
		}

		@Test
		void burstLetsExtraRunsStartAtOnceAfterAQuietSpell() {
			List<NewRun> burst = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				burst.add(run(throttle("customer-a", 10, 2)));
			}
			GatedInsert result = insert(burst);
			assertThat(result.inserted()).containsExactly(burst.get(0).runId(), burst.get(1).runId(),
					burst.get(2).runId());
			Instant started = find(burst.get(0)).startedAt();
			Instant fourth = find(burst.get(3)).wakeAt();
			assertThat(Duration.between(started, fourth)).isBetween(Duration.ofMillis(100), TOLERANCE);
			assertThat(Duration.between(fourth, find(burst.get(4)).wakeAt())).isEqualTo(Duration.ofMillis(100));
		}

		@Test
		void keysAreThrottledIndependently() {
			NewRun a1 = run(throttle("customer-a", 1, 0));
			NewRun a2 = run(throttle("customer-a", 1, 0));
			NewRun b1 = run(throttle("customer-b", 1, 0));
			GatedInsert result = insert(List.of(a1, a2, b1));
			assertThat(result.inserted()).containsExactly(a1.runId(), b1.runId());
			assertThat(result.delayed()).containsExactly(a2.runId());
			NewRun b2 = run(throttle("customer-b", 1, 0));
			assertThat(insert(List.of(b2)).delayed()).containsExactly(b2.runId());
			assertThat(insert(List.of(run(throttle("customer-c", 1, 0)))).inserted()).hasSize(1);
		}

		@Test
		void laterInsertsContinueTheScheduleOfTheirKey() {
			NewRun first = run(throttle("customer-a", 1, 0));
			NewRun second = run(throttle("customer-a", 1, 0));
			NewRun third = run(throttle("customer-a", 1, 0));
			insert(List.of(first));
			insert(List.of(second));
			insert(List.of(third));
			// One start per hour: the schedule goes on across transactions.
			assertThat(Duration.between(find(first).startedAt(), find(second).wakeAt())).isBetween(Duration.ofHours(1),
					Duration.ofHours(1).plus(TOLERANCE));
			assertThat(Duration.between(find(second).wakeAt(), find(third).wakeAt())).isEqualTo(Duration.ofHours(1));
		}

		@Test
		void redeliveredEventIsNotThrottledAgain() {
			NewRun first = run(throttle("customer-a", 1, 0));
			NewRun second = run(throttle("customer-a", 1, 0));
			insert(List.of(first, second));
			GatedInsert again = insert(List.of(first, second));
			assertThat(again.inserted()).isEmpty();
			assertThat(again.delayed()).isEmpty();
			NewRun third = run(throttle("customer-a", 1, 0));
			insert(List.of(third));
			assertThat(Duration.between(find(second).wakeAt(), find(third).wakeAt())).isEqualTo(Duration.ofHours(1));
		}

		@Test
		void runsStartingSoonStayLeasedToTheRecordingInstance() {
			NewRun first = run(throttle("customer-a", 10, 0));
			NewRun soon = run(throttle("customer-a", 10, 0));
			NewRun later = run(throttle("customer-a", 10, 0));
			GatedInsert result = this.runs.insertLeasedGated(List.of(first, soon, later), "owner-a", LEASE,
					Duration.ofMillis(150));
			assertThat(result.inserted()).containsExactly(first.runId());
			assertThat(result.held()).containsOnlyKeys(soon.runId());
			assertThat(result.held().get(soon.runId())).isPositive().isLessThanOrEqualTo(Duration.ofMillis(100));
			assertThat(result.delayed()).containsExactly(later.runId());
			RunRecord held = find(soon);
			assertThat(held.status()).isEqualTo(RunStatus.QUEUED);
			assertThat(held.leaseOwner()).isEqualTo("owner-a");
			assertThat(held.startedAt()).isNull();
			assertThat(held.error()).startsWith("throttled: ");
			// Starting it clears the reason; the fence is the version it was recorded
			// with.
			assertThat(this.runs.start(soon.runId(), 1)).isTrue();
			RunRecord started = find(soon);
			assertThat(started.status()).isEqualTo(RunStatus.RUNNING);
			assertThat(started.attempt()).isOne();
			assertThat(started.error()).isNull();
			assertThat(started.startedAt()).isNotNull();
		}

		@Test
		void delayedRunsAreClaimedAheadOfTheirStartAndDueOnesByThePoller() {
			NewRun first = run(throttle("customer-a", 1, 0));
			NewRun second = run(throttle("customer-a", 1, 0));
			NewRun third = run(throttle("customer-a", 1, 0));
			insert(List.of(first, second, third));
			assertThat(this.runs.claimStarting("owner-b", LEASE, 10, List.of("fn"), Duration.ofMinutes(1))).isEmpty();
			List<HeldRun> claimed = this.runs.claimStarting("owner-b", LEASE, 10, List.of("fn"),
					Duration.ofMinutes(61));
			assertThat(claimed).hasSize(1);
			HeldRun held = claimed.get(0);
			assertThat(held.run().runId()).isEqualTo(second.runId());
			assertThat(held.run().status()).isEqualTo(RunStatus.QUEUED);
			assertThat(held.run().leaseOwner()).isEqualTo("owner-b");
			assertThat(held.run().version()).isEqualTo(2);
			assertThat(held.startsIn()).isGreaterThan(Duration.ofMinutes(59)).isLessThanOrEqualTo(Duration.ofHours(1));
			// The generic claim starts a delayed run once it is due.
			this.jdbc.sql("UPDATE bj_runs SET wake_at = :past WHERE run_id = :runId")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.param("runId", third.runId())
				.update();
			List<RunRecord> due = this.runs.claimDue("owner-c", LEASE, 10, List.of("fn"), null, (runId) -> false);
			assertThat(due).extracting(RunRecord::runId).containsExactly(third.runId());
			assertThat(due.get(0).error()).isNull();
		}

		@Test
		void concurrentInsertsOfOneKeyNeverStartCloserThanTheSpacing() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			List<NewRun> all = new ArrayList<>();
			try {
				for (int round = 0; round < 10; round++) {
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<GatedInsert>> results = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						List<NewRun> batch = List.of(run(throttle("race", 1, 1)), run(throttle("race", 1, 1)));
						all.addAll(batch);
						results.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.insertLeasedGated(batch, "owner-" + batch.get(0).runId(), LEASE);
						}));
					}
					for (Future<GatedInsert> result : results) {
						result.get(30, TimeUnit.SECONDS);
					}
				}
			}
			finally {
				executor.shutdownNow();
			}
			List<Instant> starts = new ArrayList<>();
			for (NewRun run : all) {
				RunRecord record = find(run);
				starts.add((record.status() == RunStatus.DELAYED) ? record.wakeAt() : record.startedAt());
			}
			starts.sort(null);
			// One start per hour and a burst of one, however the transactions
			// interleaved: no three starts within an hour, and the delayed ones an hour
			// apart.
			for (int i = 2; i < starts.size(); i++) {
				assertThat(Duration.between(starts.get(i - 2), starts.get(i)))
					.isGreaterThanOrEqualTo(Duration.ofHours(1));
			}
			for (int i = 3; i < starts.size(); i++) {
				assertThat(Duration.between(starts.get(i - 1), starts.get(i))).isEqualTo(Duration.ofHours(1));
			}
		}

		@Test
		void retentionDeletesThrottlesWhoseNextStartPassed() {
			insert(List.of(run(throttle("customer-a", 1, 0))));
			insert(List.of(run(throttle("customer-b", 1, 0))));
			assertThat(this.retention.deletePassedThrottles(100)).isZero();
			this.jdbc.sql("UPDATE bj_throttles SET next_start = :past")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.update();
			insert(List.of(run(throttle("customer-c", 1, 0))));
			assertThat(this.retention.deletePassedThrottles(100)).isEqualTo(2);
			assertThat(this.jdbc.sql("SELECT COUNT(*) FROM bj_throttles").query(Long.class).single()).isOne();
		}

		private GatedInsert insert(List<NewRun> runs) {
			return this.runs.insertLeasedGated(runs, "owner-a", LEASE);
		}

		private RunRecord find(NewRun run) {
			RunRecord record = this.runs.find(run.runId());
			assertThat(record).isNotNull();
			return record;
		}

		private NewRun run(Throttle throttle) {
			String runId = "run-" + (++this.sequence);
			return new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", Instant.now(), null, List.of(),
					List.of(), throttle);
		}

		private static Throttle throttle(String key, int limit, int burst) {
			return new Throttle(key, limit, (limit == 10) ? Duration.ofSeconds(1) : Duration.ofHours(1), burst);
		}

	}

}
