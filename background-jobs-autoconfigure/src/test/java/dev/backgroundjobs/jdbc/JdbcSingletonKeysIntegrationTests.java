package dev.backgroundjobs.jdbc;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.backgroundjobs.Singleton;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.NewRun.Gate;
import dev.backgroundjobs.store.NewRun.SingletonKey;
import dev.backgroundjobs.store.RunStore.GatedInsert;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the singleton keys of {@link JdbcRunStore#insertLeasedGated}
 * against every supported database: at most one unfinished run per key, whatever the
 * unfinished status, with new events skipped or cancelling that run, across concurrent
 * inserts.
 */
class JdbcSingletonKeysIntegrationTests {

	private static final String SCHEMA = "bj_singleton_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Duration LEASE = Duration.ofMinutes(1);

	private static final List<String> UNFINISHED = List.of("DELAYED", "QUEUED", "RUNNING", "SLEEPING", "WAITING");

	@Nested
	class H2 extends SingletonTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends SingletonTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends SingletonTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class SingletonTests {

		JdbcRunStore runs;

		JdbcClient jdbc;

		JdbcRetentionStore retention;

		int sequence;

		/**
		 * The singleton key of each run made, by run id.
		 */
		final Map<String, String> keys = new ConcurrentHashMap<>();

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			this.jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_cancel_keys", "bj_event_waits", "bj_intake_gates", "bj_throttles",
					"bj_concurrency_keys", "bj_singleton_keys", "bj_runs")) {
				this.jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.retention = new JdbcRetentionStore(dataSource, dialect);
		}

		@Test
		void skipSkipsEventsWhileTheKeysRunIsUnfinishedInAnyStatus() {
			NewRun first = run("fn", skip("user-1"));
			assertThat(insert(first).inserted()).containsExactly(first.runId());
			for (String status : UNFINISHED) {
				setStatus(first, status);
				NewRun next = run("fn", skip("user-1"));
				GatedInsert result = insert(next);
				assertThat(result.inserted()).as(status).isEmpty();
				assertThat(result.skipped()).as(status).containsExactly(Map.entry(next.runId(), "singleton"));
				assertThat(exists(next)).as(status).isFalse();
			}
			setStatus(first, "COMPLETED");
			NewRun afterFinish = run("fn", skip("user-1"));
			assertThat(insert(afterFinish).inserted()).containsExactly(afterFinish.runId());
			assertThat(insert(run("fn", skip("user-1"))).skipped()).hasSize(1);
			assertThat(runCount()).isEqualTo(2);
		}

		@Test
		void keysAreIndependentPerValueAndPerFunction() {
			NewRun user1 = run("fn", skip("user-1"));
			NewRun user2 = run("fn", skip("user-2"));
			NewRun otherFunction = run("other-fn", skip("user-1"));
			assertThat(insert(user1, user2, otherFunction).inserted()).containsExactly(user1.runId(), user2.runId(),
					otherFunction.runId());
			assertThat(insert(run("fn", skip("user-1"))).skipped()).hasSize(1);
			setStatus(user1, "FAILED");
			assertThat(insert(run("fn", skip("user-1"))).inserted()).hasSize(1);
			assertThat(insert(run("fn", skip("user-2"))).skipped()).hasSize(1);
		}

		@Test
		void skipKeepsTheFirstEventOfAKeyInOnePoll() {
			NewRun first = run("fn", skip("user-1"));
			NewRun second = run("fn", skip("user-1"));
			NewRun other = run("fn", skip("user-2"));
			NewRun third = run("fn", skip("user-1"));
			GatedInsert result = insert(first, second, other, third);
			assertThat(result.inserted()).containsExactly(first.runId(), other.runId());
			assertThat(result.skipped()).containsOnlyKeys(second.runId(), third.runId());
			assertThat(result.superseded()).isEmpty();
		}

		@Test
		void cancelCancelsTheUnfinishedRunAsACancelDoesAndStartsTheNewOne() {
			NewRun first = run("fn", cancel("user-1"));
			insert(first);
			setStatus(first, "SLEEPING");
			long version = version(first);
			NewRun second = run("fn", cancel("user-1"));
			GatedInsert result = insert(second);
			String reason = "cancelled: superseded by event " + second.eventId() + " (singleton 'data.userId')";
			assertThat(result.inserted()).containsExactly(second.runId());
			assertThat(result.superseded()).containsExactly(Map.entry(first.runId(), reason));
			assertThat(this.jdbc
				.sql("SELECT status, version, lease_owner, error, finished_at FROM bj_runs " + "WHERE run_id = :runId")
				.param("runId", first.runId())
				.query((rs, row) -> List.of(rs.getString(1), rs.getLong(2), String.valueOf(rs.getString(3)),
						rs.getString(4), rs.getTimestamp(5) != null))
				.single()).containsExactly("CANCELLED", version + 1, "null", reason, true);
			assertThat(unfinished("user-1")).containsExactly(second.runId());
		}

		@Test
		void cancelWithAFinishedRunCancelsNothing() {
			NewRun first = run("fn", cancel("user-1"));
			insert(first);
			setStatus(first, "COMPLETED");
			NewRun second = run("fn", cancel("user-1"));
			GatedInsert result = insert(second);
			assertThat(result.inserted()).containsExactly(second.runId());
			assertThat(result.superseded()).isEmpty();
			assertThat(status(first)).isEqualTo("COMPLETED");
		}

		@Test
		void cancelEndsWithTheLastEventOfAKeyInOnePoll() {
			NewRun running = run("fn", cancel("user-1"));
			insert(running);
			NewRun first = run("fn", cancel("user-1"));
			NewRun other = run("fn", cancel("user-2"));
			NewRun last = run("fn", cancel("user-1"));
			GatedInsert result = insert(first, other, last);
			assertThat(result.inserted()).containsExactly(other.runId(), last.runId());
			assertThat(result.superseded()).containsOnlyKeys(running.runId(), first.runId());
			assertThat(result.superseded().get(first.runId())).contains("superseded by event " + last.eventId());
			assertThat(status(running)).isEqualTo("CANCELLED");
			assertThat(status(first)).isEqualTo("CANCELLED");
			assertThat(unfinished("user-1")).containsExactly(last.runId());
		}

		@Test
		void withoutAKeyOneRunOfTheFunctionAtATime() {
			NewRun first = run("fn", new SingletonKey("", Singleton.Mode.SKIP, "singleton"));
			insert(first);
			assertThat(insert(run("fn", new SingletonKey("", Singleton.Mode.SKIP, "singleton"))).skipped()).hasSize(1);
		}

		@Test
		void redeliveredEventDoesNotClaimTheKeyAgain() {
			NewRun first = run("fn", skip("user-1"));
			insert(first);
			GatedInsert again = insert(first);
			assertThat(again.inserted()).isEmpty();
			assertThat(again.skipped()).isEmpty();
			assertThat(insert(run("fn", skip("user-1"))).skipped()).hasSize(1);
		}

		@Test
		void runSkippedByItsKeyIsNotCountedInItsGates() {
			Gate rateLimit = new Gate("rate-limit", "", 10, Duration.ofMinutes(1));
			insert(run("fn", skip("user-1"), rateLimit));
			assertThat(insert(run("fn", skip("user-1"), rateLimit)).skipped()).containsValue("singleton");
			assertThat(this.jdbc.sql("SELECT hits FROM bj_intake_gates").query(Integer.class).single()).isOne();
		}

		@Test
		void runKeptOutByAGateDoesNotCancelTheKeysRun() {
			Gate rateLimit = new Gate("rate-limit", "", 1, Duration.ofMinutes(1));
			NewRun first = run("fn", cancel("user-1"), rateLimit);
			insert(first);
			GatedInsert result = insert(run("fn", cancel("user-1"), rateLimit));
			assertThat(result.skipped()).containsValue("rate-limit");
			assertThat(result.superseded()).isEmpty();
			assertThat(status(first)).isEqualTo("RUNNING");
		}

		@Test
		void runSkippedByItsKeyTakesNoThrottleStart() {
			NewRun.Throttle hourly = new NewRun.Throttle("shared", 1, Duration.ofHours(1), 0);
			NewRun first = withThrottle(run("fn", skip("user-1")), hourly);
			assertThat(insert(first).inserted()).containsExactly(first.runId());
			assertThat(insert(withThrottle(run("fn", skip("user-1")), hourly)).skipped()).containsValue("singleton");
			// Had the skipped run taken a start, this one would start two hours from now.
			NewRun other = withThrottle(run("fn", skip("user-2")), hourly);
			GatedInsert result = insert(other);
			assertThat(result.delayed()).containsExactly(other.runId());
			Instant wakeAt = this.jdbc.sql("SELECT wake_at FROM bj_runs WHERE run_id = :runId")
				.param("runId", other.runId())
				.query(Timestamp.class)
				.single()
				.toInstant();
			assertThat(wakeAt).isBefore(Instant.now().plus(Duration.ofMinutes(90)));
		}

		@Test
		void runSupersededByItsKeyFreesItsConcurrencySlot() {
			NewRun.Slot oneAtATime = new NewRun.Slot("shared", 1, 0, "waiting for a concurrency slot");
			NewRun first = withSlot(run("fn", cancel("user-1")), oneAtATime);
			assertThat(insert(first).inserted()).containsExactly(first.runId());
			NewRun other = withSlot(run("fn", cancel("user-2")), oneAtATime);
			assertThat(insert(other).delayed()).containsExactly(other.runId());
			setStatus(other, "COMPLETED");
			NewRun superseding = withSlot(run("fn", cancel("user-1")), oneAtATime);
			GatedInsert result = insert(superseding);
			assertThat(result.superseded()).containsOnlyKeys(first.runId());
			assertThat(result.inserted()).containsExactly(superseding.runId());
			assertThat(result.delayed()).isEmpty();
		}

		@Test
		void concurrentSkipInsertsOfOneKeyStartOneRun() throws Exception {
			race(Singleton.Mode.SKIP, (key, results) -> {
				assertThat(results.stream().mapToInt((result) -> result.inserted().size()).sum()).as(key).isOne();
				assertThat(results.stream().mapToInt((result) -> result.skipped().size()).sum()).as(key).isOne();
				assertThat(unfinished(key)).as(key).hasSize(1);
			});
		}

		@Test
		void concurrentCancelInsertsOfOneKeyLeaveOneUnfinishedRun() throws Exception {
			race(Singleton.Mode.CANCEL, (key, results) -> {
				assertThat(results.stream().mapToInt((result) -> result.inserted().size()).sum()).as(key).isEqualTo(2);
				assertThat(results.stream().mapToInt((result) -> result.superseded().size()).sum()).as(key).isOne();
				List<String> unfinished = unfinished(key);
				assertThat(unfinished).as(key).hasSize(1);
				assertThat(holder(key)).as(key).isEqualTo(unfinished.get(0));
			});
		}

		@Test
		void retentionDeletesOnlyKeysWhoseRunIsGone() {
			NewRun gone = run("fn", skip("user-1"));
			NewRun finished = run("fn", skip("user-2"));
			NewRun running = run("fn", skip("user-3"));
			insert(gone, finished, running);
			setStatus(finished, "COMPLETED");
			this.jdbc.sql("DELETE FROM bj_runs WHERE run_id = :runId").param("runId", gone.runId()).update();
			assertThat(this.retention.deleteReleasedSingletonKeys(100)).isOne();
			assertThat(this.jdbc.sql("SELECT run_id FROM bj_singleton_keys").query(String.class).set())
				.containsExactlyInAnyOrder(finished.runId(), running.runId());
			NewRun next = run("fn", skip("user-1"));
			assertThat(insert(next).inserted()).containsExactly(next.runId());
		}

		private void race(Singleton.Mode mode, RoundCheck check) throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			try {
				for (int round = 0; round < 10; round++) {
					String key = "race-" + round;
					NewRun holder = run("fn", new SingletonKey(key, mode, "singleton 'data.userId'"));
					insert(holder);
					setStatus(holder, "COMPLETED");
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<GatedInsert>> futures = new ArrayList<>();
					for (int i = 0; i < 2; i++) {
						NewRun run = run("fn", new SingletonKey(key, mode, "singleton 'data.userId'"));
						futures.add(executor.submit(() -> {
							barrier.await(10, TimeUnit.SECONDS);
							return this.runs.insertLeasedGated(List.of(run), "owner-" + run.runId(), LEASE);
						}));
					}
					List<GatedInsert> results = new ArrayList<>();
					for (Future<GatedInsert> future : futures) {
						results.add(future.get(30, TimeUnit.SECONDS));
					}
					check.check(key, results);
				}
				// The first claim of a key inserts its row: race that too.
				CyclicBarrier barrier = new CyclicBarrier(2);
				List<Future<GatedInsert>> futures = new ArrayList<>();
				for (int i = 0; i < 2; i++) {
					NewRun run = run("fn", new SingletonKey("fresh", mode, "singleton 'data.userId'"));
					futures.add(executor.submit(() -> {
						barrier.await(10, TimeUnit.SECONDS);
						return insertRetryingDeadlocks(run);
					}));
				}
				List<GatedInsert> results = new ArrayList<>();
				for (Future<GatedInsert> future : futures) {
					results.add(future.get(30, TimeUnit.SECONDS));
				}
				check.check("fresh", results);
			}
			finally {
				executor.shutdownNow();
			}
		}

		/**
		 * Two first claims of a key may deadlock on MariaDB (see JdbcRunInserts): the
		 * intake retries the poll, as here.
		 */
		private GatedInsert insertRetryingDeadlocks(NewRun run) {
			for (int attempt = 1;; attempt++) {
				try {
					return this.runs.insertLeasedGated(List.of(run), "owner-" + run.runId(), LEASE);
				}
				catch (org.springframework.dao.PessimisticLockingFailureException ex) {
					if (attempt == 5) {
						throw ex;
					}
				}
			}
		}

		private GatedInsert insert(NewRun... runs) {
			return this.runs.insertLeasedGated(List.of(runs), "owner-a", LEASE);
		}

		private NewRun run(String functionId, SingletonKey key, Gate... gates) {
			String runId = "run-" + (++this.sequence);
			this.keys.put(runId, key.key());
			return new NewRun(runId, functionId, "event-" + runId, "test/event", "{}", Instant.now(), null, List.of(),
					List.of(gates), null, null, null, key);
		}

		private static NewRun withThrottle(NewRun run, NewRun.Throttle throttle) {
			return new NewRun(run.runId(), run.functionId(), run.eventId(), run.eventName(), run.eventData(),
					run.eventTime(), null, List.of(), run.gates(), throttle, null, null, run.singletonKey());
		}

		private static NewRun withSlot(NewRun run, NewRun.Slot slot) {
			return new NewRun(run.runId(), run.functionId(), run.eventId(), run.eventName(), run.eventData(),
					run.eventTime(), null, List.of(), run.gates(), null, slot, null, run.singletonKey());
		}

		private static SingletonKey skip(String key) {
			return new SingletonKey(key, Singleton.Mode.SKIP, "singleton 'data.userId'");
		}

		private static SingletonKey cancel(String key) {
			return new SingletonKey(key, Singleton.Mode.CANCEL, "singleton 'data.userId'");
		}

		private void setStatus(NewRun run, String status) {
			boolean finished = !UNFINISHED.contains(status);
			this.jdbc.sql("UPDATE bj_runs SET status = :status, finished_at = :finishedAt WHERE run_id = :runId")
				.param("status", status)
				.param("finishedAt", finished ? Timestamp.from(Instant.now()) : null, java.sql.Types.TIMESTAMP)
				.param("runId", run.runId())
				.update();
		}

		private @Nullable String status(NewRun run) {
			return this.jdbc.sql("SELECT status FROM bj_runs WHERE run_id = :runId")
				.param("runId", run.runId())
				.query(String.class)
				.optional()
				.orElse(null);
		}

		private boolean exists(NewRun run) {
			return status(run) != null;
		}

		private long version(NewRun run) {
			return this.jdbc.sql("SELECT version FROM bj_runs WHERE run_id = :runId")
				.param("runId", run.runId())
				.query(Long.class)
				.single();
		}

		/**
		 * The unfinished runs of a key of function {@code fn}, read from the runs, not
		 * from the key's row.
		 */
		private List<String> unfinished(String key) {
			List<String> ids = new ArrayList<>();
			this.jdbc.sql("SELECT run_id, status FROM bj_runs WHERE function_id = 'fn'").query((rs) -> {
				if (UNFINISHED.contains(rs.getString("status")) && key.equals(this.keys.get(rs.getString("run_id")))) {
					ids.add(rs.getString("run_id"));
				}
			});
			return ids;
		}

		private @Nullable String holder(String key) {
			return this.jdbc.sql("SELECT run_id FROM bj_singleton_keys WHERE singleton_key = :key")
				.param("key", JdbcSingletonKeys.digest("fn", skip(key)))
				.query(String.class)
				.optional()
				.orElse(null);
		}

		private long runCount() {
			return this.jdbc.sql("SELECT COUNT(*) FROM bj_runs").query(Long.class).single();
		}

		@FunctionalInterface
		interface RoundCheck {

			void check(String key, List<GatedInsert> results);

		}

	}

}
