package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore.Admission;
import dev.backgroundjobs.store.RunStore.GatedInsert;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the concurrency slots of {@link JdbcRunStore} against every
 * supported database: admission when runs are recorded ({@code insertLeasedGated}) and
 * when they are claimed ({@code claimAdmitted}), the queue order of waiting runs, and
 * instances admitting one key at the same time.
 */
class JdbcConcurrencySlotsIntegrationTests {

	private static final String SCHEMA = "bj_slot_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Duration LEASE = Duration.ofMinutes(1);

	private static final String REASON = "waiting for a concurrency slot: limit 2 for key 'data.customerId'";

	@Nested
	class H2 extends SlotTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends SlotTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends SlotTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class SlotTests {

		JdbcRunStore runs;

		JdbcClient jdbc;

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
			for (String table : List.of("bj_cancel_keys", "bj_intake_gates", "bj_throttles", "bj_concurrency_keys",
					"bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			this.runs = new JdbcRunStore(dataSource, DatabaseDialect.from(dataSource));
		}

		@Test
		void intakeStartsUpToTheLimitPerKeyAndDelaysTheRest() {
			List<NewRun> burst = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				burst.add(run("customer-a", 2, 0));
			}
			burst.add(run("customer-b", 2, 0));
			GatedInsert result = insert(burst.toArray(NewRun[]::new));
			assertThat(result.inserted()).containsExactly(burst.get(0).runId(), burst.get(1).runId(),
					burst.get(4).runId());
			assertThat(result.delayed()).containsExactlyInAnyOrder(burst.get(2).runId(), burst.get(3).runId());
			RunRecord delayed = this.runs.find(burst.get(2).runId());
			assertThat(delayed.status()).isEqualTo(RunStatus.DELAYED);
			assertThat(delayed.error()).isEqualTo(REASON);
			assertThat(delayed.leaseOwner()).isNull();
			assertThat(delayed.startedAt()).isNull();
			assertThat(delayed.attempt()).isZero();
			// A later event of the key waits too, behind those already waiting.
			assertThat(insert(run("customer-a", 2, 0)).delayed()).hasSize(1);
			assertThat(claim(2)).isEmpty();
		}

		@Test
		void waitingRunsStartInArrivalOrderAsSlotsFree() {
			NewRun first = run("customer-a", 2, 0);
			NewRun second = run("customer-a", 2, 0);
			insert(first, second);
			NewRun third = run("customer-a", 2, 0);
			NewRun fourth = run("customer-a", 2, 0);
			insert(third);
			insert(fourth);
			finish(first);
			assertThat(claim(2)).extracting(RunRecord::runId).containsExactly(third.runId());
			RunRecord claimed = this.runs.find(third.runId());
			// It never started: it is claimed started, as the intake starts a run.
			assertThat(claimed.status()).isEqualTo(RunStatus.RUNNING);
			assertThat(claimed.attempt()).isOne();
			assertThat(claimed.startedAt()).isNotNull();
			assertThat(claimed.error()).isNull();
			assertThat(claimed.leaseOwner()).isEqualTo("owner-b");
			assertThat(claim(2)).isEmpty();
			finish(second);
			finish(third);
			assertThat(claim(2)).extracting(RunRecord::runId).containsExactly(fourth.runId());
		}

		@Test
		void priorityMovesARunAheadOfRunsThatArrivedBeforeIt() {
			insert(run("customer-a", 1, 0));
			NewRun low = run("customer-a", 1, 0);
			NewRun lower = run("customer-a", 1, -60);
			NewRun high = run("customer-a", 1, 120);
			insert(low);
			insert(lower);
			insert(high);
			List<String> order = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				this.jdbc.sql("UPDATE bj_runs SET status = 'COMPLETED' WHERE status IN ('QUEUED', 'RUNNING')").update();
				claim(1).forEach((run) -> order.add(run.runId()));
			}
			assertThat(order).containsExactly(high.runId(), low.runId(), lower.runId());
		}

		@Test
		void wokenRunWaitsForASlotAgain() {
			NewRun sleeper = run("customer-a", 1, 0);
			insert(sleeper);
			assertThat(this.runs.park(sleeper.runId(), 1, Duration.ZERO, null, 0)).isTrue();
			// A parked run holds no slot: the next event of the key starts at once.
			NewRun next = run("customer-a", 1, 0);
			assertThat(insert(next).inserted()).containsExactly(next.runId());
			assertThat(claim(1)).isEmpty();
			RunRecord woken = this.runs.find(sleeper.runId());
			assertThat(woken.status()).isEqualTo(RunStatus.DELAYED);
			assertThat(woken.error()).startsWith("waiting for a concurrency slot");
			finish(next);
			// It ran before: it resumes as a claimed run, started by its executor.
			assertThat(claim(1)).singleElement().satisfies((run) -> {
				assertThat(run.runId()).isEqualTo(sleeper.runId());
				assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
			});
		}

		@Test
		void expiredLeaseIsTakenOverWithItsSlot() {
			NewRun held = run("customer-a", 1, 0);
			this.runs.insertLeasedGated(List.of(held), "owner-a", Duration.ofMillis(1));
			NewRun waiting = run("customer-a", 1, 0);
			insert(waiting);
			await(Duration.ofMillis(50));
			List<RunRecord> claimed = this.runs.claimAdmitted("owner-b", LEASE, 10, List.of(admission(1)),
					Instant.now().plusSeconds(1), (runId) -> false);
			assertThat(claimed).extracting(RunRecord::runId).containsExactly(held.runId());
			assertThat(this.runs.find(waiting.runId()).status()).isEqualTo(RunStatus.DELAYED);
		}

		@Test
		void runsWithoutAKeyShareOneLimitAndUnkeyedDueRunsStart() {
			NewRun first = run("", 1, 0);
			NewRun second = run("", 1, 0);
			assertThat(insert(first, second).delayed()).containsExactly(second.runId());
			// A run recorded before the function had a limit holds no key and no slot.
			this.jdbc.sql("UPDATE bj_runs SET concurrency_key = NULL WHERE run_id = :runId")
				.param("runId", second.runId())
				.update();
			assertThat(claim(1)).extracting(RunRecord::runId).containsExactly(second.runId());
		}

		@Test
		void throttledRunWaitsForItsStartAndThenForASlot() {
			// One start an hour: the first run starts now, the second an hour later.
			NewRun first = throttled(run("customer-a", 1, 0));
			NewRun second = throttled(run("customer-a", 1, 0));
			GatedInsert result = this.runs.insertLeasedGated(List.of(first, second), "owner-a", LEASE,
					Duration.ofMinutes(5));
			assertThat(result.inserted()).containsExactly(first.runId());
			assertThat(result.held()).isEmpty();
			assertThat(result.delayed()).containsExactly(second.runId());
			assertThat(this.runs.find(second.runId()).error()).startsWith("throttled:");
			assertThat(claim(1)).isEmpty();
			// Its start time has come, but the first run still holds the key's slot.
			this.jdbc.sql("UPDATE bj_runs SET wake_at = :past WHERE run_id = :runId")
				.param("past", java.sql.Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.param("runId", second.runId())
				.update();
			assertThat(claim(1)).isEmpty();
			finish(first);
			assertThat(claim(1)).extracting(RunRecord::runId).containsExactly(second.runId());
		}

		@Test
		void retentionDeletesOnlyKeysNoUnfinishedRunUses() {
			NewRun finished = run("customer-a", 1, 0);
			NewRun running = run("customer-b", 1, 0);
			insert(finished, running);
			finish(finished);
			JdbcRetentionStore retention = new JdbcRetentionStore(dataSource(), DatabaseDialect.from(dataSource()));
			assertThat(retention.deleteIdleConcurrencyKeys(100)).isOne();
			assertThat(this.jdbc.sql("SELECT COUNT(*) FROM bj_concurrency_keys").query(Long.class).single()).isOne();
			// The key's next run inserts its row again, and its limit still holds.
			NewRun next = run("customer-a", 1, 0);
			NewRun over = run("customer-a", 1, 0);
			assertThat(insert(next, over).delayed()).containsExactly(over.runId());
		}

		@Test
		void concurrentIntakesOfOneKeyStartNoMoreThanTheLimit() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			try {
				for (int round = 0; round < 5; round++) {
					String key = "race-" + round;
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<GatedInsert>> results = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						List<NewRun> poll = List.of(run(key, 3, 0), run(key, 3, 0), run(key, 3, 0));
						results.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.insertLeasedGated(poll, "owner-" + poll.get(0).runId(), LEASE);
						}));
					}
					int started = 0;
					int delayed = 0;
					for (Future<GatedInsert> result : results) {
						started += result.get(30, TimeUnit.SECONDS).inserted().size();
						delayed += result.get().delayed().size();
					}
					assertThat(started).as("round " + round).isEqualTo(3);
					assertThat(delayed).as("round " + round).isEqualTo(3);
				}
			}
			finally {
				executor.shutdownNow();
			}
		}

		@Test
		void concurrentIntakesOfSeveralKeysStartNoMoreThanTheLimitOfEach() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			try {
				for (int round = 0; round < 5; round++) {
					// Keys new and known at once, in the opposite order in each poll: the
					// keys are locked in one order whatever the poll's, so neither waits
					// for the other for ever.
					List<String> keys = List.of("known-a", "new-b-" + round, "known-c", "new-d-" + round);
					if (round == 0) {
						this.runs.insertLeasedGated(List.of(run("known-a", 2, 0), run("known-a", 2, 0),
								run("known-c", 2, 0), run("known-c", 2, 0)), "owner-0", LEASE);
					}
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<GatedInsert>> results = new ArrayList<>();
					Map<String, String> keyOfRun = new ConcurrentHashMap<>();
					for (int i = 0; i < 2; i++) {
						List<NewRun> poll = new ArrayList<>();
						for (int k = 0; k < keys.size(); k++) {
							String key = keys.get((i == 0) ? k : keys.size() - 1 - k);
							for (int n = 0; n < 2; n++) {
								NewRun run = run(key, 2, 0);
								keyOfRun.put(run.runId(), key);
								poll.add(run);
							}
						}
						results.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.insertLeasedGated(poll, "owner-" + poll.get(0).runId(), LEASE);
						}));
					}
					Map<String, Integer> startedPerKey = new TreeMap<>();
					for (Future<GatedInsert> result : results) {
						for (String runId : result.get(30, TimeUnit.SECONDS).inserted()) {
							startedPerKey.merge(keyOfRun.get(runId), 1, Integer::sum);
						}
					}
					// The known keys are full with the two runs each recorded first,
					// never
					// finished: they start nothing more; each new key starts two.
					assertThat(startedPerKey).as("round " + round)
						.isEqualTo(Map.of("new-b-" + round, 2, "new-d-" + round, 2));
				}
			}
			finally {
				executor.shutdownNow();
			}
		}

		@Test
		void concurrentClaimsOfOneKeyStartNoMoreThanTheFreeSlots() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			try {
				for (int round = 0; round < 5; round++) {
					String key = "claim-race-" + round;
					List<NewRun> burst = new ArrayList<>();
					for (int i = 0; i < 6; i++) {
						burst.add(run(key, 3, 0));
					}
					insert(burst.toArray(NewRun[]::new));
					finish(burst.get(0));
					finish(burst.get(1));
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<List<RunRecord>>> results = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						String owner = "claimer-" + i;
						results.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.claimAdmitted(owner, LEASE, 10, List.of(admission(3)), null,
									(runId) -> false);
						}));
					}
					int claimed = 0;
					for (Future<List<RunRecord>> result : results) {
						claimed += result.get(30, TimeUnit.SECONDS).size();
					}
					assertThat(claimed).as("round " + round).isEqualTo(2);
				}
			}
			finally {
				executor.shutdownNow();
			}
		}

		@Test
		void freedSlotStartsTheNextRunThisInstanceMadeWait() {
			NewRun first = run("customer-a", 1, 0);
			NewRun second = run("customer-a", 1, 0);
			insert(first, second);
			assertThat(claimFreedSlots(this.runs, 1)).isEmpty();
			finish(first);
			assertThat(claimFreedSlots(this.runs, 1)).extracting(RunRecord::runId).containsExactly(second.runId());
			assertThat(this.runs.find(second.runId()).status()).isEqualTo(RunStatus.RUNNING);
		}

		@Test
		void freedSlotsOfAnInstanceLookForWaitingRunsOnlyOnceItsPollFoundSome() {
			JdbcRunStore otherInstance = new JdbcRunStore(dataSource(), DatabaseDialect.from(dataSource()));
			NewRun first = run("customer-a", 1, 0);
			NewRun second = run("customer-a", 1, 0);
			NewRun third = run("customer-a", 1, 0);
			insert(first, second, third);
			finish(first);
			// The other instance knows of no waiting run: the end of a run of its own
			// costs no query, and leaves the waiting runs to the polls.
			assertThat(claimFreedSlots(otherInstance, 1)).isEmpty();
			assertThat(this.runs.find(second.runId()).status()).isEqualTo(RunStatus.DELAYED);
			// Its poll looks at the queue, starts the head and learns that runs wait.
			assertThat(otherInstance.claimAdmitted("owner-c", LEASE, 10, List.of(admission(1)), null, (runId) -> false))
				.extracting(RunRecord::runId)
				.containsExactly(second.runId());
			finish(second);
			assertThat(claimFreedSlots(otherInstance, 1)).extracting(RunRecord::runId).containsExactly(third.runId());
			// The queue is empty: the next look finds so and forgets the hint.
			finish(third);
			assertThat(claimFreedSlots(otherInstance, 1)).isEmpty();
			NewRun fourth = run("customer-a", 1, 0);
			NewRun fifth = run("customer-a", 1, 0);
			insert(fourth, fifth);
			finish(fourth);
			assertThat(claimFreedSlots(otherInstance, 1)).isEmpty();
			assertThat(claimFreedSlots(this.runs, 1)).extracting(RunRecord::runId).containsExactly(fifth.runId());
		}

		private static List<RunRecord> claimFreedSlots(JdbcRunStore store, int limit) {
			return store.claimFreedSlots("owner-b", LEASE, 10, List.of(admission(limit)));
		}

		private GatedInsert insert(NewRun... runs) {
			return this.runs.insertLeasedGated(List.of(runs), "owner-a", LEASE);
		}

		private List<RunRecord> claim(int limit) {
			return this.runs.claimAdmitted("owner-b", LEASE, 10, List.of(admission(limit)), null, (runId) -> false);
		}

		private static Admission admission(int limit) {
			return new Admission("fn", limit, "waiting for a concurrency slot: limit " + limit);
		}

		private NewRun run(String key, int limit, int priority) {
			String runId = "run-" + (++this.sequence);
			return new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", Instant.now(), null, List.of(),
					List.of(), null, new NewRun.Slot(key, limit, priority,
							"waiting for a concurrency slot: limit " + limit + " for key 'data.customerId'"));
		}

		private static NewRun throttled(NewRun run) {
			return new NewRun(run.runId(), run.functionId(), run.eventId(), run.eventName(), run.eventData(),
					run.eventTime(), null, List.of(), List.of(),
					new NewRun.Throttle("customer-a", 1, Duration.ofHours(1), 0), run.slot());
		}

		private void finish(NewRun run) {
			this.jdbc.sql("UPDATE bj_runs SET status = 'COMPLETED' WHERE run_id = :runId")
				.param("runId", run.runId())
				.update();
		}

		private static void await(Duration duration) {
			try {
				Thread.sleep(duration.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
