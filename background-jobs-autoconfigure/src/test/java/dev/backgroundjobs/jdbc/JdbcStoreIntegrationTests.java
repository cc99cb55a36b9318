package dev.backgroundjobs.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.testsupport.Concurrently;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

/**
 * Integration tests for {@link JdbcRunStore}, {@link JdbcStepStore},
 * {@link JdbcCheckpointStore} and {@link JdbcDeadLetterStore} against every supported
 * database.
 */
class JdbcStoreIntegrationTests {

	private static final Predicate<String> NOT_HELD = (runId) -> false;

	private static final String SCHEMA = "bj_store_tests";

	private static final Duration LONG_LEASE = Duration.ofMinutes(10);

	private static final List<String> ALL_FUNCTIONS = List.of("fn", "other-fn", "other");

	private static final Duration EXPIRED_LEASE = Duration.ofMillis(1);

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends StoreTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

		@Override
		DatabaseDialect expectedDialect() {
			return DatabaseDialect.H2;
		}

	}

	@Nested
	class PostgreSql extends StoreTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

		@Override
		DatabaseDialect expectedDialect() {
			return DatabaseDialect.POSTGRESQL;
		}

	}

	@Nested
	class MariaDb extends StoreTests {

		private static final Map<DataSource, DataSource> offsetSessions = new ConcurrentHashMap<>();

		@Override
		DataSource dataSource() {
			// A session time zone far from UTC proves that stored instants do not depend
			// on it.
			return offsetSessions.computeIfAbsent(TestDatabases.mariadb(SCHEMA),
					(dataSource) -> TestDatabases.withSession(dataSource, "SET time_zone = '+05:00'"));
		}

		@Override
		DatabaseDialect expectedDialect() {
			return DatabaseDialect.MARIADB;
		}

	}

	abstract static class StoreTests {

		JdbcRunStore runs;

		JdbcStepStore steps;

		JdbcDeadLetterStore deadLetters;

		JdbcCheckpointStore checkpoints;

		JdbcCheckpointStore leaseRenewingCheckpoints;

		DataSource dataSource;

		private int sequence;

		abstract DataSource dataSource();

		abstract DatabaseDialect expectedDialect();

		@BeforeEach
		void prepareDatabase() throws SQLException {
			this.dataSource = dataSource();
			if (initialized.add(this.dataSource)) {
				BackgroundJobsJdbcProperties properties = new BackgroundJobsJdbcProperties();
				// Twice: every statement must be idempotent.
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource, properties).initializeDatabase();
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource, properties).initializeDatabase();
			}
			try (Connection connection = this.dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				statement.execute("DELETE FROM bj_steps");
				statement.execute("DELETE FROM bj_dead_letters");
				statement.execute("DELETE FROM bj_invocations");
				statement.execute("DELETE FROM bj_event_waits");
				statement.execute("DELETE FROM bj_runs");
			}
			DatabaseDialect dialect = DatabaseDialect.from(this.dataSource);
			assertThat(dialect).isEqualTo(expectedDialect());
			this.runs = new JdbcRunStore(this.dataSource, dialect);
			this.steps = new JdbcStepStore(this.dataSource, dialect);
			this.deadLetters = new JdbcDeadLetterStore(this.dataSource);
			this.checkpoints = new JdbcCheckpointStore(this.dataSource, dialect,
					new DataSourceTransactionManager(this.dataSource));
			this.leaseRenewingCheckpoints = new JdbcCheckpointStore(this.dataSource, dialect,
					new DataSourceTransactionManager(this.dataSource), LONG_LEASE);
		}

		@Test
		void insertLeasedRecordsStartedRunsLeasedToTheOwner() {
			NewRun run = newRun("run-1", "fn", "event-1");
			assertThat(this.runs.insertLeased(List.of(run), "owner-a", LONG_LEASE)).containsExactly("run-1");
			RunRecord record = this.runs.find("run-1");
			assertThat(record).isNotNull();
			assertThat(record.functionId()).isEqualTo("fn");
			assertThat(record.eventId()).isEqualTo("event-1");
			assertThat(record.eventName()).isEqualTo("test/event");
			assertThat(record.eventData()).isEqualTo("{\"n\":1}");
			assertThat(record.eventTime()).isEqualTo(run.eventTime());
			assertThat(record.status()).isEqualTo(RunStatus.RUNNING);
			assertThat(record.attempt()).isEqualTo(1);
			assertThat(record.version()).isEqualTo(1);
			assertThat(record.handlerFailures()).isZero();
			assertThat(record.leaseOwner()).isEqualTo("owner-a");
			assertThat(record.leaseUntil()).isCloseTo(record.createdAt().plus(LONG_LEASE),
					within(1, ChronoUnit.SECONDS));
			assertThat(record.wakeAt()).isNull();
			assertThat(record.output()).isNull();
			assertThat(record.error()).isNull();
			assertThat(record.startedAt()).isEqualTo(record.createdAt());
			assertThat(record.finishedAt()).isNull();
			assertThat(record.traceContext()).isEqualTo(run.traceContext());
			assertThat(run.asLeased("owner-a", record.createdAt())).usingRecursiveComparison()
				.ignoringFields("leaseUntil")
				.isEqualTo(record);
		}

		@Test
		void insertLeasedSkipsRunsWhoseEventIsAlreadyRecorded() {
			this.runs.insertLeased(List.of(newRun("run-1", "fn", "event-1")), "owner-a", LONG_LEASE);
			List<String> inserted = this.runs.insertLeased(List.of(newRun("run-2", "fn", "event-1"),
					newRun("run-3", "fn", "event-2"), newRun("run-4", "fn", "event-2"),
					newRun("run-5", "other-fn", "event-1"), newRun("run-1", "fn", "event-1")), "owner-a", LONG_LEASE);
			assertThat(inserted).containsExactlyInAnyOrder("run-3", "run-5");
			assertThat(this.runs.find("run-2")).isNull();
			assertThat(this.runs.find("run-4")).isNull();
			assertThat(this.runs.findRuns(new RunQuery(null, null, null, 10))).hasSize(3);
		}

		@Test
		void insertLeasedOfAnEmptyListInsertsNothing() {
			assertThat(this.runs.insertLeased(List.of(), "owner-a", LONG_LEASE)).isEmpty();
		}

		@Test
		void concurrentInsertsOfTheSameEventsRecordEachEventOnce() throws Exception {
			List<NewRun> first = new ArrayList<>();
			List<NewRun> second = new ArrayList<>();
			for (int i = 0; i < 30; i++) {
				first.add(newRun("a-" + i, "fn", "event-" + i));
				second.add(newRun("b-" + i, "fn", "event-" + i));
			}
			Collections.reverse(second);
			CyclicBarrier barrier = new CyclicBarrier(2);
			List<List<String>> results = Concurrently.run(List.of(() -> {
				barrier.await();
				return this.runs.insertLeased(first, "owner-a", LONG_LEASE);
			}, () -> {
				barrier.await();
				return this.runs.insertLeased(second, "owner-b", LONG_LEASE);
			}));
			List<String> all = new ArrayList<>(results.get(0));
			all.addAll(results.get(1));
			assertThat(all).hasSize(30);
			assertThat(all.stream().map((id) -> id.substring(2)).distinct()).hasSize(30);
			assertThat(this.runs.findRuns(new RunQuery(null, null, null, 100))).hasSize(30)
				.allSatisfy((run) -> assertThat(all).contains(run.runId()));
		}

		@Test
		void findReturnsNullForAnUnknownRun() {
			assertThat(this.runs.find("unknown")).isNull();
		}

		@Test
		void startMarksTheRunRunningAndCountsTheAttempt() {
			insert("run-1", LONG_LEASE);
			queued("run-1");
			assertThat(this.runs.start("run-1", 1)).isTrue();
			RunRecord started = this.runs.find("run-1");
			assertThat(started.status()).isEqualTo(RunStatus.RUNNING);
			assertThat(started.attempt()).isEqualTo(1);
			assertThat(started.startedAt()).isNotNull();
			assertThat(this.runs.start("run-1", 1)).isTrue();
			RunRecord restarted = this.runs.find("run-1");
			assertThat(restarted.attempt()).isEqualTo(2);
			assertThat(restarted.startedAt()).isEqualTo(started.startedAt());
		}

		@Test
		void fencedWritesWithAStaleVersionChangeNothing() throws InterruptedException {
			insert("run-1", EXPIRED_LEASE);
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::version)
				.containsExactly(2L);
			RunRecord claimed = this.runs.find("run-1");
			assertThat(this.runs.start("run-1", 1)).isFalse();
			assertThat(complete("run-1", 1, "\"done\"")).isFalse();
			assertThat(this.runs.park("run-1", 1, Duration.ofSeconds(5), "boom", 1)).isFalse();
			assertThat(this.runs.fail("run-1", 1, "step", "boom")).isFalse();
			assertThat(saveStep(step("run-1", "step", StepStatus.COMPLETED, "1"), 1)).isFalse();
			assertThat(this.runs.find("run-1")).isEqualTo(claimed);
			assertThat(this.steps.findSteps("run-1")).isEmpty();
			assertThat(this.deadLetters.count()).isZero();
			assertThat(this.runs.start("run-1", 2)).isTrue();
		}

		@Test
		void fencedWritesOfAFinishedRunChangeNothing() {
			insert("run-1", LONG_LEASE);
			assertThat(complete("run-1", 1, "\"done\"")).isTrue();
			assertThat(this.runs.start("run-1", 1)).isFalse();
			assertThat(this.runs.park("run-1", 1, Duration.ZERO, null, 0)).isFalse();
			assertThat(saveStep(step("run-1", "step", StepStatus.COMPLETED, "1"), 1)).isFalse();
			assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.COMPLETED);
		}

		@Test
		void completionStoresTheOutputAndClearsTheLease() {
			insert("run-1", LONG_LEASE);
			this.runs.start("run-1", 1);
			assertThat(complete("run-1", 1, "\"done\"")).isTrue();
			RunRecord record = this.runs.find("run-1");
			assertThat(record.status()).isEqualTo(RunStatus.COMPLETED);
			assertThat(record.output()).isEqualTo("\"done\"");
			assertThat(record.leaseOwner()).isNull();
			assertThat(record.leaseUntil()).isNull();
			assertThat(record.finishedAt()).isNotNull();
		}

		@Test
		void parkSleepsTheRunUntilTheDelayHasPassed() {
			insert("run-1", LONG_LEASE);
			this.runs.start("run-1", 1);
			assertThat(this.runs.park("run-1", 1, Duration.ofMinutes(5), "boom", 2)).isTrue();
			RunRecord record = this.runs.find("run-1");
			assertThat(record.status()).isEqualTo(RunStatus.SLEEPING);
			assertThat(record.wakeAt()).isCloseTo(record.startedAt().plus(Duration.ofMinutes(5)),
					within(5, ChronoUnit.SECONDS));
			assertThat(record.leaseOwner()).isNull();
			assertThat(record.leaseUntil()).isNull();
			assertThat(record.error()).isEqualTo("boom");
			assertThat(record.handlerFailures()).isEqualTo(2);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD)).isEmpty();
		}

		@Test
		void claimDueTakesDueSleepingRunsAndRunsWhoseLeaseExpired() throws InterruptedException {
			insert("expired", EXPIRED_LEASE);
			insert("live", LONG_LEASE);
			insert("due", LONG_LEASE);
			this.runs.park("due", 1, Duration.ZERO, null, 0);
			insert("sleeping", LONG_LEASE);
			this.runs.park("sleeping", 1, Duration.ofHours(1), null, 0);
			insert("completed", EXPIRED_LEASE);
			complete("completed", 1, null);
			insert("running-expired", EXPIRED_LEASE);
			this.runs.start("running-expired", 1);
			expireLeases();
			List<RunRecord> claimed = this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(),
					NOT_HELD);
			assertThat(claimed).extracting(RunRecord::runId)
				.containsExactlyInAnyOrder("expired", "due", "running-expired");
			assertThat(claimed).allSatisfy((run) -> {
				assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
				assertThat(run.version()).isEqualTo(2);
				assertThat(run.leaseOwner()).isEqualTo("owner-b");
				assertThat(run.leaseUntil()).isAfter(run.createdAt().plus(LONG_LEASE).minusSeconds(60));
				assertThat(run.wakeAt()).isNull();
			});
			assertThat(this.runs.claimDue("owner-c", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD)).isEmpty();
		}

		@Test
		void claimDueTakesOverOnlyLeasesThatExpiredBeforeTheCutoff() throws InterruptedException {
			Instant beforeExpiry = Instant.now().minusSeconds(60);
			insert("expired", EXPIRED_LEASE);
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, beforeExpiry, NOT_HELD)).isEmpty();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("expired");
		}

		@Test
		void claimDueLeavesExpiredRunsTheirOwnerStillHoldsToItButTakesItsOrphans() throws InterruptedException {
			insert("still-held", EXPIRED_LEASE);
			insert("orphan", EXPIRED_LEASE);
			expireLeases();
			assertThat(
					this.runs.claimDue("owner-a", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), "still-held"::equals))
				.extracting(RunRecord::runId)
				.containsExactly("orphan");
			assertThat(
					this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), "still-held"::equals))
				.extracting(RunRecord::runId)
				.containsExactly("still-held");
		}

		@Test
		void aStepCheckpointRenewsTheLeaseOfItsRunSoItIsNotTakenOver() throws InterruptedException {
			insert("checkpointing", EXPIRED_LEASE);
			insert("idle", EXPIRED_LEASE);
			expireLeases();
			assertThat(this.leaseRenewingCheckpoints
				.write(List.of(new Checkpoint.StepSaved(step("checkpointing", "one", StepStatus.COMPLETED, "1"), 1))))
				.containsExactly(true);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("idle");
		}

		@Test
		void aStepCheckpointLeavesALeaseWithMoreThanHalfLeftUnwritten() {
			insert("fresh", LONG_LEASE);
			Object before = leaseUntil("fresh");
			assertThat(this.leaseRenewingCheckpoints
				.write(List.of(new Checkpoint.StepSaved(step("fresh", "one", StepStatus.COMPLETED, "1"), 1))))
				.containsExactly(true);
			assertThat(leaseUntil("fresh")).isEqualTo(before);
			assertThat(this.steps.findSteps("fresh")).extracting(StepRecord::stepId).containsExactly("one");
		}

		private Object leaseUntil(String runId) {
			return JdbcClient.create(this.dataSource)
				.sql("SELECT lease_until FROM bj_runs WHERE run_id = :runId")
				.param("runId", runId)
				.query()
				.singleValue();
		}

		@Test
		void claimDueWithoutTakeoversLeavesRunsWhoseLeaseExpired() throws InterruptedException {
			insert("expired", EXPIRED_LEASE);
			insert("due", LONG_LEASE);
			this.runs.park("due", 1, Duration.ZERO, null, 0);
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, null, NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("due");
			assertThat(this.runs.find("expired")).satisfies((run) -> {
				assertThat(run.version()).isEqualTo(1);
				assertThat(run.leaseOwner()).isNotEqualTo("owner-b");
			});
		}

		@Test
		void claimDueTakesOnlyRunsOfTheGivenFunctions() throws InterruptedException {
			this.runs.insertLeased(List.of(newRun("mine", "fn", "event-1"), newRun("theirs", "other-fn", "event-1")),
					"owner-a", EXPIRED_LEASE);
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, List.of("fn"), Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("mine");
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, List.of(), Instant.now(), NOT_HELD)).isEmpty();
		}

		@Test
		void claimDueClaimsAtMostTheLimit() throws InterruptedException {
			for (int i = 0; i < 5; i++) {
				insert("run-" + i, EXPIRED_LEASE);
			}
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 3, ALL_FUNCTIONS, Instant.now(), NOT_HELD)).hasSize(3);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 3, ALL_FUNCTIONS, Instant.now(), NOT_HELD)).hasSize(2);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 0, ALL_FUNCTIONS, Instant.now(), NOT_HELD)).isEmpty();
		}

		@Test
		void concurrentClaimersNeverClaimTheSameRun() throws Exception {
			List<NewRun> batch = new ArrayList<>();
			for (int i = 0; i < 60; i++) {
				batch.add(newRun("run-" + i, "fn", "event-" + i));
			}
			this.runs.insertLeased(batch, "owner-a", EXPIRED_LEASE);
			expireLeases();
			CyclicBarrier barrier = new CyclicBarrier(3);
			List<Callable<List<String>>> claimers = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				String owner = "claimer-" + i;
				claimers.add(() -> {
					barrier.await();
					List<String> claimed = new ArrayList<>();
					List<RunRecord> batchClaimed;
					do {
						batchClaimed = this.runs.claimDue(owner, LONG_LEASE, 4, ALL_FUNCTIONS, Instant.now(), NOT_HELD);
						batchClaimed.forEach((run) -> claimed.add(run.runId()));
					}
					while (!batchClaimed.isEmpty());
					return claimed;
				});
			}
			List<List<String>> results = Concurrently.run(claimers);
			List<String> all = results.stream().flatMap(List::stream).toList();
			assertThat(all).hasSize(60).doesNotHaveDuplicates();
			assertThat(this.runs.findAll(all)).allSatisfy((run) -> assertThat(run.version()).isEqualTo(2));
		}

		@Test
		void extendLeasesExtendsOnlyTheOwnersActiveLeasesOfTheGivenRuns() {
			insert("mine", Duration.ofSeconds(30));
			insert("mine-running", Duration.ofSeconds(30));
			this.runs.start("mine-running", 1);
			insert("mine-done", Duration.ofSeconds(30));
			complete("mine-done", 1, null);
			insert("mine-not-held", Duration.ofSeconds(30));
			this.runs.insertLeased(List.of(newRun("theirs", "fn", "theirs")), "owner-b", Duration.ofSeconds(30));
			assertThat(this.runs.extendLeases("owner-a", List.of("mine", "mine-running", "mine-done", "theirs"),
					Duration.ofHours(1)))
				.isEqualTo(2);
			RunRecord notHeld = this.runs.find("mine-not-held");
			assertThat(notHeld.leaseUntil()).isBefore(notHeld.createdAt().plus(Duration.ofMinutes(1)));
			RunRecord mine = this.runs.find("mine");
			assertThat(mine.leaseUntil()).isAfter(mine.createdAt().plus(Duration.ofMinutes(50)));
			assertThat(this.runs.find("mine-running").leaseUntil())
				.isAfter(mine.createdAt().plus(Duration.ofMinutes(50)));
			RunRecord theirs = this.runs.find("theirs");
			assertThat(theirs.leaseUntil()).isBefore(theirs.createdAt().plus(Duration.ofMinutes(1)));
			assertThat(this.runs.find("mine-done").leaseUntil()).isNull();
		}

		@Test
		void extendLeasesSkipsRunsLockedByAnotherTransactionInsteadOfWaiting() throws SQLException {
			insert("locked", Duration.ofSeconds(30));
			insert("free", Duration.ofSeconds(30));
			try (Connection connection = this.dataSource.getConnection()) {
				connection.setAutoCommit(false);
				try (Statement statement = connection.createStatement()) {
					statement.executeQuery("SELECT run_id FROM bj_runs WHERE run_id = 'locked' FOR UPDATE").close();
					assertThat(this.runs.extendLeases("owner-a", List.of("locked", "free"), Duration.ofHours(1)))
						.isEqualTo(1);
				}
				finally {
					connection.rollback();
				}
			}
			RunRecord locked = this.runs.find("locked");
			assertThat(locked.leaseUntil()).isBefore(locked.createdAt().plus(Duration.ofMinutes(1)));
			RunRecord free = this.runs.find("free");
			assertThat(free.leaseUntil()).isAfter(free.createdAt().plus(Duration.ofMinutes(50)));
		}

		@Test
		void checkpointBatchWritesStepsAndCompletionsOfManyRunsInOneCall() {
			insert("run-1", LONG_LEASE);
			insert("run-2", LONG_LEASE);
			insert("run-3", LONG_LEASE);
			StepRecord fetch = step("run-1", "fetch", StepStatus.COMPLETED, "{\"id\":1}");
			StepRecord charge = step("run-2", "charge", StepStatus.FAILED, null);
			List<Boolean> written = this.checkpoints.write(List.of(new Checkpoint.StepSaved(fetch, 1),
					new Checkpoint.StepSaved(charge, 1), new Checkpoint.RunCompleted("run-3", 1, "\"done\"")));
			assertThat(written).containsExactly(true, true, true);
			assertThat(this.steps.findSteps("run-1")).containsExactly(fetch);
			assertThat(this.steps.findSteps("run-2")).containsExactly(charge);
			RunRecord completed = this.runs.find("run-3");
			assertThat(completed.status()).isEqualTo(RunStatus.COMPLETED);
			assertThat(completed.output()).isEqualTo("\"done\"");
			assertThat(completed.leaseOwner()).isNull();
			assertThat(completed.finishedAt()).isNotNull();
			StepRecord retried = step("run-2", "charge", StepStatus.COMPLETED, "true");
			assertThat(this.checkpoints.write(List.of(new Checkpoint.StepSaved(retried, 1)))).containsExactly(true);
			assertThat(this.steps.findSteps("run-2")).containsExactly(retried);
		}

		@Test
		void checkpointBatchKeepsEveryCharacterOfOutputsAndErrors() {
			insert("quoted", LONG_LEASE);
			insert("failed", LONG_LEASE);
			insert("done", LONG_LEASE);
			Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
			StepRecord quoted = step("quoted", "say \"hi\", {then} \\ bye", StepStatus.COMPLETED,
					"{\"text\":\"a,b {c} \\\"d\\\" NULL \\\\ é 😀\",\"none\":null}");
			StepRecord failed = new StepRecord("failed", "NULL", StepStatus.FAILED, 3, null,
					"java.lang.IllegalStateException: \"x\"\n\tat {y}, \\z", now, now);
			List<Boolean> written = this.checkpoints.write(List.of(new Checkpoint.StepSaved(quoted, 1),
					new Checkpoint.StepSaved(failed, 1), new Checkpoint.RunCompleted("done", 1, "\"{a},\\\"b\\\"\"")));
			assertThat(written).containsExactly(true, true, true);
			assertThat(this.steps.findSteps("quoted")).containsExactly(quoted);
			assertThat(this.steps.findSteps("failed")).containsExactly(failed);
			assertThat(this.runs.find("done").output()).isEqualTo("\"{a},\\\"b\\\"\"");
		}

		@Test
		void checkpointsRacingATakeOverAreWrittenOnlyForRunsTheTakeOverMissed() throws Exception {
			List<String> ids = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				String runId = "race-" + i;
				insert(runId, EXPIRED_LEASE);
				ids.add(runId);
			}
			expireLeases();
			List<Checkpoint> checkpoints = new ArrayList<>();
			for (String runId : ids) {
				StepRecord step = step(runId, "s", StepStatus.COMPLETED, "1");
				checkpoints.add(((ids.indexOf(runId) % 2) == 0) ? new Checkpoint.StepSaved(step, 1)
						: new Checkpoint.RunCompleted(runId, 1, "\"done\"", step));
			}
			CyclicBarrier barrier = new CyclicBarrier(2);
			List<List<String>> outcomes = Concurrently.run(List.of(() -> {
				barrier.await();
				List<Boolean> written = this.leaseRenewingCheckpoints.write(checkpoints);
				return ids.stream().filter((runId) -> written.get(ids.indexOf(runId))).toList();
			}, () -> {
				barrier.await();
				return this.runs.claimDue("owner-b", LONG_LEASE, 500, ALL_FUNCTIONS, Instant.now(), NOT_HELD)
					.stream()
					.map(RunRecord::runId)
					.toList();
			}));
			List<String> written = outcomes.get(0);
			List<String> claimed = outcomes.get(1);
			assertThat(written).noneMatch(claimed::contains);
			for (String runId : ids) {
				RunRecord run = this.runs.find(runId);
				if (written.contains(runId)) {
					assertThat(run.version()).isOne();
					assertThat(this.steps.findSteps(runId)).hasSize(1);
				}
				else {
					assertThat(claimed).contains(runId);
					assertThat(run.version()).isEqualTo(2);
					assertThat(run.status()).isNotEqualTo(RunStatus.COMPLETED);
					assertThat(this.steps.findSteps(runId)).isEmpty();
				}
			}
		}

		@Test
		void completionWithItsLastStepWritesBothOrNeither() throws InterruptedException {
			insert("held", LONG_LEASE);
			insert("taken-over", EXPIRED_LEASE);
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("taken-over");
			StepRecord last = step("held", "last", StepStatus.COMPLETED, "3");
			StepRecord stale = step("taken-over", "last", StepStatus.COMPLETED, "3");
			List<Boolean> written = this.checkpoints
				.write(List.of(new Checkpoint.RunCompleted("held", 1, "\"done\"", last),
						new Checkpoint.RunCompleted("taken-over", 1, "\"stale\"", stale)));
			assertThat(written).containsExactly(true, false);
			assertThat(this.steps.findSteps("held")).containsExactly(last);
			RunRecord completed = this.runs.find("held");
			assertThat(completed.status()).isEqualTo(RunStatus.COMPLETED);
			assertThat(completed.output()).isEqualTo("\"done\"");
			assertThat(completed.leaseOwner()).isNull();
			assertThat(this.steps.findSteps("taken-over")).isEmpty();
			assertThat(this.runs.find("taken-over").status()).isNotEqualTo(RunStatus.COMPLETED);
		}

		@Test
		void checkpointBatchWritesOnlyTheCheckpointsWhoseRunIsStillHeld() throws InterruptedException {
			insert("current", LONG_LEASE);
			insert("taken-over", EXPIRED_LEASE);
			insert("finished", LONG_LEASE);
			insert("cancelled", LONG_LEASE);
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("taken-over");
			complete("finished", 1, null);
			queued("cancelled");
			this.runs.cancel("cancelled");
			List<Boolean> written = this.checkpoints
				.write(List.of(new Checkpoint.StepSaved(step("current", "a", StepStatus.COMPLETED, "1"), 1),
						new Checkpoint.StepSaved(step("taken-over", "a", StepStatus.COMPLETED, "1"), 1),
						new Checkpoint.RunCompleted("finished", 1, "\"again\""),
						new Checkpoint.StepSaved(step("cancelled", "a", StepStatus.COMPLETED, "1"), 2),
						new Checkpoint.RunCompleted("unknown", 1, null)));
			assertThat(written).containsExactly(true, false, false, false, false);
			assertThat(this.steps.findSteps("current")).hasSize(1);
			assertThat(this.steps.findSteps("taken-over")).isEmpty();
			assertThat(this.steps.findSteps("cancelled")).isEmpty();
			assertThat(this.runs.find("finished").output()).isNull();
			assertThat(this.runs.find("taken-over").status()).isEqualTo(RunStatus.QUEUED);
		}

		@Test
		void checkpointCompletionOfAChildMakesItsWaitingParentDue() {
			insert("parent", LONG_LEASE);
			insert("plain", LONG_LEASE);
			this.runs.insertChild(newRun("child", "fn", "invoke:parent:call"), "parent", "call");
			assertThat(this.runs.awaitChild("parent", 1, "child")).isTrue();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("child");
			assertThat(this.checkpoints.write(List.of(new Checkpoint.RunCompleted("child", 2, "\"done\""),
					new Checkpoint.RunCompleted("plain", 1, null))))
				.containsExactly(true, true);
			assertThat(this.runs.find("child").status()).isEqualTo(RunStatus.COMPLETED);
			assertThat(this.runs.find("plain").status()).isEqualTo(RunStatus.COMPLETED);
			assertThat(this.runs.find("parent").status()).isEqualTo(RunStatus.SLEEPING);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("parent");
		}

		@Test
		void checkpointBatchOfABadCheckpointWritesNothing() {
			insert("run-1", LONG_LEASE);
			insert("run-2", LONG_LEASE);
			String tooLong = "s".repeat(300);
			assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> this.checkpoints
				.write(List.of(new Checkpoint.StepSaved(step("run-1", "fine", StepStatus.COMPLETED, "1"), 1),
						new Checkpoint.StepSaved(step("run-2", tooLong, StepStatus.COMPLETED, "1"), 1))));
			assertThat(this.steps.findSteps("run-1")).isEmpty();
		}

		@Test
		void releaseLeasesMakesRunsClaimableAtOnce() {
			insert("mine", LONG_LEASE);
			insert("mine-running", LONG_LEASE);
			this.runs.start("mine-running", 1);
			this.runs.insertLeased(List.of(newRun("theirs", "fn", "theirs")), "owner-b", LONG_LEASE);
			assertThat(this.runs.releaseLeases("owner-a")).isEqualTo(2);
			assertThat(this.runs.find("mine").leaseOwner()).isNull();
			assertThat(this.runs.claimDue("owner-c", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactlyInAnyOrder("mine", "mine-running");
			assertThat(this.runs.find("theirs").leaseOwner()).isEqualTo("owner-b");
		}

		@Test
		void failMarksTheRunFailedAndRecordsADeadLetter() {
			insert("run-1", LONG_LEASE);
			this.runs.start("run-1", 1);
			assertThat(this.runs.fail("run-1", 1, "charge-card", "card declined")).isTrue();
			RunRecord record = this.runs.find("run-1");
			assertThat(record.status()).isEqualTo(RunStatus.FAILED);
			assertThat(record.error()).isEqualTo("card declined");
			assertThat(record.leaseOwner()).isNull();
			assertThat(record.leaseUntil()).isNull();
			assertThat(record.finishedAt()).isNotNull();
			DeadLetterRecord deadLetter = this.deadLetters.find("run-1");
			assertThat(deadLetter).isNotNull();
			assertThat(deadLetter.runId()).isEqualTo("run-1");
			assertThat(deadLetter.functionId()).isEqualTo("fn");
			assertThat(deadLetter.stepId()).isEqualTo("charge-card");
			assertThat(deadLetter.error()).isEqualTo("card declined");
			assertThat(deadLetter.topic()).isNull();
			assertThat(deadLetter.partition()).isEqualTo(-1);
			assertThat(deadLetter.offset()).isEqualTo(-1);
			assertThat(deadLetter.rawKey()).isNull();
			assertThat(deadLetter.rawValue()).isNull();
			assertThat(deadLetter.createdAt()).isCloseTo(record.finishedAt(), within(1, ChronoUnit.SECONDS));
			assertThat(this.deadLetters.count()).isEqualTo(1);
			assertThat(this.runs.fail("run-1", 1, "charge-card", "again")).isFalse();
		}

		@Test
		void failRecordsTheFailureHandlersRunOncePerFailedRun() {
			insert("run-1", LONG_LEASE);
			NewRun handler = newRun("handler-1", "fn.on-failure", "failure:run-1");
			assertThat(this.runs.fail("run-1", 1, "charge", "declined", handler)).isTrue();
			RunRecord queued = this.runs.find("handler-1");
			assertThat(queued.status()).isEqualTo(RunStatus.QUEUED);
			assertThat(queued.leaseOwner()).isNull();
			assertThat(queued.eventData()).isEqualTo(handler.eventData());
			RunRecord replayed = this.runs.replay("run-1", "owner-a", LONG_LEASE);
			NewRun again = newRun("handler-1", "fn.on-failure", "failure:run-1");
			assertThat(this.runs.fail("run-1", replayed.version(), "charge", "declined again", again)).isTrue();
			assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.FAILED);
			assertThat(this.deadLetters.find("run-1").error()).isEqualTo("declined again");
			assertThat(ids(new RunQuery(null, "fn.on-failure", null, 10))).containsExactly("handler-1");
			assertThat(this.runs.find("handler-1").eventData()).isEqualTo(handler.eventData());
		}

		@Test
		void failOutsideAnyStepRecordsADeadLetterWithoutAStep() {
			insert("run-1", LONG_LEASE);
			assertThat(this.runs.fail("run-1", 1, null, "handler threw")).isTrue();
			assertThat(this.deadLetters.find("run-1").stepId()).isNull();
		}

		@Test
		void replayKeepsCompletedStepsAndRemovesFailedOnes() {
			insert("run-1", LONG_LEASE);
			saveStep(step("run-1", "fetch", StepStatus.COMPLETED, "{\"id\":1}"), 1);
			saveStep(step("run-1", "charge", StepStatus.FAILED, null), 1);
			this.runs.park("run-1", 1, Duration.ZERO, "declined", 3);
			this.runs.claimDue("owner-a", LONG_LEASE, 1, ALL_FUNCTIONS, Instant.now(), NOT_HELD);
			this.runs.start("run-1", 2);
			this.runs.fail("run-1", 2, "charge", "declined");
			RunRecord replayed = this.runs.replay("run-1", "owner-b", LONG_LEASE);
			assertThat(replayed).isNotNull();
			assertThat(replayed.status()).isEqualTo(RunStatus.QUEUED);
			assertThat(replayed.version()).isEqualTo(3);
			assertThat(replayed.attempt()).isEqualTo(2);
			assertThat(replayed.leaseOwner()).isEqualTo("owner-b");
			assertThat(replayed.leaseUntil()).isNotNull();
			assertThat(replayed.handlerFailures()).isZero();
			assertThat(replayed.error()).isNull();
			assertThat(replayed.finishedAt()).isNull();
			assertThat(replayed).isEqualTo(this.runs.find("run-1"));
			assertThat(this.steps.findSteps("run-1")).extracting(StepRecord::stepId).containsExactly("fetch");
			assertThat(this.deadLetters.find("run-1")).isNull();
			assertThat(this.deadLetters.count()).isZero();
			assertThat(saveStep(step("run-1", "charge", StepStatus.COMPLETED, "true"), 3)).isTrue();
		}

		@Test
		void rerunFromAStepKeepsTheStepsThatStartedBeforeItAndFencesEarlierExecutions() {
			insert("run-1", LONG_LEASE);
			Instant start = Instant.parse("2026-01-10T12:00:00Z");
			for (String stepId : List.of("a", "b", "c")) {
				saveStep(new StepRecord("run-1", stepId, StepStatus.COMPLETED, 1, "\"" + stepId + "\"", null, start,
						start), 1);
				start = start.plusMillis(1);
			}
			assertThat(complete("run-1", 1, "\"done\"")).isTrue();
			RunRecord queued = this.runs.rerunFrom("run-1", "b", "owner-b", LONG_LEASE);
			assertThat(queued.status()).isEqualTo(RunStatus.QUEUED);
			assertThat(queued.version()).isEqualTo(2);
			assertThat(queued.leaseOwner()).isEqualTo("owner-b");
			assertThat(queued.output()).isNull();
			assertThat(queued.finishedAt()).isNull();
			assertThat(this.steps.findSteps("run-1")).extracting(StepRecord::stepId).containsExactly("a");
			// The execution that completed the run cannot write to it any more.
			assertThat(saveStep(step("run-1", "c", StepStatus.COMPLETED, "1"), 1)).isFalse();
			// Only a finished run is taken: this one is queued now.
			assertThat(this.runs.rerunFrom("run-1", "a", "owner-c", LONG_LEASE)).isNull();
			assertThat(this.runs.rerunFrom("unknown", "a", "owner-c", LONG_LEASE)).isNull();
		}

		@Test
		void rerunFromAStepOfAFailedRunRemovesItsDeadLetterAndAnUnknownStepChangesNothing() {
			insert("run-1", LONG_LEASE);
			saveStep(step("run-1", "a", StepStatus.COMPLETED, "1"), 1);
			this.runs.fail("run-1", 1, "b", "declined");
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> this.runs.rerunFrom("run-1", "nope", "owner-b", LONG_LEASE))
				.withMessageContaining("has no step 'nope'");
			assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.FAILED);
			assertThat(this.runs.find("run-1").version()).isOne();
			assertThat(this.deadLetters.find("run-1")).isNotNull();
			assertThat(this.runs.rerunFrom("run-1", "a", "owner-b", LONG_LEASE).status()).isEqualTo(RunStatus.QUEUED);
			assertThat(this.steps.findSteps("run-1")).isEmpty();
			assertThat(this.deadLetters.find("run-1")).isNull();
		}

		@Test
		void replayReturnsNullForARunThatIsNotFailed() {
			insert("run-1", LONG_LEASE);
			assertThat(this.runs.replay("run-1", "owner-b", LONG_LEASE)).isNull();
			assertThat(this.runs.replay("unknown", "owner-b", LONG_LEASE)).isNull();
			assertThat(this.runs.find("run-1").version()).isEqualTo(1);
		}

		@Test
		void cancelStopsQueuedAndSleepingRunsAndFencesTheirWorkers() {
			insert("queued", LONG_LEASE);
			queued("queued");
			insert("sleeping", LONG_LEASE);
			this.runs.park("sleeping", 1, Duration.ofHours(1), null, 0);
			assertThat(this.runs.cancel("queued")).isTrue();
			assertThat(this.runs.cancel("sleeping")).isTrue();
			RunRecord cancelled = this.runs.find("queued");
			assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
			assertThat(cancelled.version()).isEqualTo(2);
			assertThat(cancelled.leaseOwner()).isNull();
			assertThat(cancelled.finishedAt()).isNotNull();
			assertThat(this.runs.find("sleeping").wakeAt()).isNull();
			assertThat(this.runs.start("queued", 1)).isFalse();
			assertThat(this.runs.start("queued", 2)).isFalse();
			assertThat(saveStep(step("queued", "fetch", StepStatus.COMPLETED, "1"), 2)).isFalse();
		}

		@Test
		void oldestCreatedAtFindsTheOldestRunWithAStatus() {
			assertThat(this.runs.oldestCreatedAt(RunStatus.QUEUED)).isNull();
			insert("first", LONG_LEASE);
			insert("second", LONG_LEASE);
			queued("second");
			assertThat(this.runs.oldestCreatedAt(RunStatus.QUEUED)).isEqualTo(this.runs.find("second").createdAt());
			assertThat(this.runs.oldestCreatedAt(RunStatus.RUNNING)).isEqualTo(this.runs.find("first").createdAt());
		}

		@Test
		void cancelOfARunningRunRacingAStepsCheckpointWinsAndFencesTheWorker() throws InterruptedException {
			insert("running", LONG_LEASE);
			this.runs.start("running", 1);
			assertThat(saveStep(step("running", "first", StepStatus.COMPLETED, "1"), 1)).isTrue();
			// The step in flight finished just after the cancel committed: neither its
			// checkpoint nor the run's completion may land, nor a heartbeat revive it.
			assertThat(this.runs.cancel("running", "cancelled on request")).isTrue();
			List<Boolean> written = this.checkpoints
				.write(List.of(new Checkpoint.StepSaved(step("running", "second", StepStatus.COMPLETED, "2"), 1)));
			assertThat(written).containsExactly(false);
			assertThat(this.checkpoints.write(List.of(new Checkpoint.RunCompleted("running", 1, "\"done\""))))
				.containsExactly(false);
			assertThat(this.runs.extendLeases("owner-a", List.of("running"), LONG_LEASE)).isZero();
			assertThat(this.runs.fail("running", 1, "second", "boom")).isFalse();
			assertThat(this.runs.park("running", 1, Duration.ofSeconds(1), null, 0)).isFalse();
			expireLeases();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD)).isEmpty();
			RunRecord cancelled = this.runs.find("running");
			assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
			assertThat(cancelled.version()).isEqualTo(2);
			assertThat(cancelled.leaseOwner()).isNull();
			assertThat(cancelled.finishedAt()).isNotNull();
			assertThat(cancelled.error()).isEqualTo("cancelled on request");
			assertThat(cancelled.output()).isNull();
			assertThat(this.steps.findSteps("running")).extracting(StepRecord::stepId).containsExactly("first");
			assertThat(this.runs.findCancelled(List.of("running", "unknown"))).containsExactly("running");
		}

		@Test
		void runsPastTheirStartOrFinishTimeoutAreFound() throws InterruptedException {
			insert("running", LONG_LEASE);
			insert("never-started", LONG_LEASE);
			queued("never-started");
			insert("completed", LONG_LEASE);
			complete("completed", 1, null);
			expireLeases();
			assertThat(this.runs.findStartOverdue("fn", Duration.ofMillis(1), 10)).containsExactly("never-started");
			assertThat(this.runs.findStartOverdue("fn", Duration.ofHours(1), 10)).isEmpty();
			assertThat(this.runs.findStartOverdue("other-fn", Duration.ofMillis(1), 10)).isEmpty();
			assertThat(this.runs.findFinishOverdue("fn", Duration.ofMillis(1), 10)).containsExactly("running");
			assertThat(this.runs.findFinishOverdue("fn", Duration.ofHours(1), 10)).isEmpty();
			assertThat(this.runs.findFinishOverdue("fn", Duration.ofMillis(1), 0)).isEmpty();
		}

		@Test
		void cancelLeavesFinishedRunsAlone() {
			insert("completed", LONG_LEASE);
			complete("completed", 1, null);
			assertThat(this.runs.cancel("completed")).isFalse();
			assertThat(this.runs.cancel("unknown")).isFalse();
			assertThat(this.runs.find("completed").status()).isEqualTo(RunStatus.COMPLETED);
			assertThat(this.runs.findCancelled(List.of("completed"))).isEmpty();
		}

		@Test
		void savedStepIsInsertedAndThenReplaced() {
			insert("run-1", LONG_LEASE);
			Instant start = Instant.parse("2025-01-01T10:00:00.123456Z");
			StepRecord failed = new StepRecord("run-1", "charge", StepStatus.FAILED, 1, null, "timeout", start,
					start.plusMillis(5));
			StepRecord first = new StepRecord("run-1", "fetch", StepStatus.COMPLETED, 1, "{\"id\":1}", null,
					start.minusSeconds(1), start.minusMillis(1));
			assertThat(saveStep(failed, 1)).isTrue();
			assertThat(saveStep(first, 1)).isTrue();
			assertThat(this.steps.findSteps("run-1")).containsExactly(first, failed);
			StepRecord completed = new StepRecord("run-1", "charge", StepStatus.COMPLETED, 2, "\"ok\"", null,
					start.plusSeconds(2), start.plusSeconds(3));
			assertThat(saveStep(completed, 1)).isTrue();
			assertThat(this.steps.findSteps("run-1")).containsExactly(first, completed);
			assertThat(this.steps.findSteps("unknown")).isEmpty();
		}

		@Test
		void findRunsListsNewestFirstWithFiltersAndACursor() {
			for (int i = 1; i <= 5; i++) {
				String function = (i >= 4) ? "other" : "fn";
				this.runs.insertLeased(List.of(newRun("run-" + i, function, "event-" + i)), "owner-a", LONG_LEASE);
			}
			this.runs.park("run-2", 1, Duration.ofHours(1), null, 0);
			assertThat(ids(new RunQuery(null, null, null, 10))).containsExactly("run-5", "run-4", "run-3", "run-2",
					"run-1");
			assertThat(ids(new RunQuery(null, null, null, 2))).containsExactly("run-5", "run-4");
			assertThat(ids(new RunQuery(RunStatus.SLEEPING, null, null, 10))).containsExactly("run-2");
			assertThat(ids(new RunQuery(null, "fn", null, 10))).containsExactly("run-3", "run-2", "run-1");
			assertThat(ids(new RunQuery(RunStatus.RUNNING, "fn", null, 10))).containsExactly("run-3", "run-1");
			assertThat(ids(new RunQuery(null, null, "run-4", 2))).containsExactly("run-3", "run-2");
			assertThat(ids(new RunQuery(null, "other", "run-5", 10))).containsExactly("run-4");
			assertThat(ids(new RunQuery(null, null, "run-1", 10))).isEmpty();
			assertThat(ids(new RunQuery(null, null, "unknown", 10))).isEmpty();
		}

		@Test
		void findRunsBreaksTiesOfCreationTimeByRunId() {
			this.runs.insertLeased(
					List.of(newRun("run-b", "fn", "e-1"), newRun("run-a", "fn", "e-2"), newRun("run-c", "fn", "e-3")),
					"owner-a", LONG_LEASE);
			List<RunRecord> all = this.runs.findRuns(new RunQuery(null, null, null, 10));
			List<String> expected = all.stream()
				.sorted((a, b) -> (a.createdAt().equals(b.createdAt())) ? b.runId().compareTo(a.runId())
						: b.createdAt().compareTo(a.createdAt()))
				.map(RunRecord::runId)
				.toList();
			assertThat(all).extracting(RunRecord::runId).containsExactlyElementsOf(expected);
			List<String> paged = new ArrayList<>(ids(new RunQuery(null, null, null, 1)));
			paged.addAll(ids(new RunQuery(null, null, paged.get(0), 1)));
			paged.addAll(ids(new RunQuery(null, null, paged.get(1), 5)));
			assertThat(paged).containsExactlyElementsOf(expected);
		}

		@Test
		void countByStatusCountsRunsPerStatus() {
			insert("run-1", LONG_LEASE);
			insert("run-2", LONG_LEASE);
			insert("run-3", LONG_LEASE);
			this.runs.park("run-2", 1, Duration.ofHours(1), null, 0);
			this.runs.fail("run-3", 1, null, "boom");
			assertThat(this.runs.countByStatus()).containsOnly(Map.entry(RunStatus.RUNNING, 1L),
					Map.entry(RunStatus.SLEEPING, 1L), Map.entry(RunStatus.FAILED, 1L));
		}

		@Test
		void findAllFindsRunsById() {
			insert("run-1", LONG_LEASE);
			insert("run-2", LONG_LEASE);
			assertThat(this.runs.findAll(List.of("run-1", "run-2", "unknown"))).extracting(RunRecord::runId)
				.containsExactlyInAnyOrder("run-1", "run-2");
			assertThat(this.runs.findAll(List.of())).isEmpty();
		}

		@Test
		void instantsRoundTripWhateverTheTimeZone() {
			TimeZone defaultZone = TimeZone.getDefault();
			try {
				TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Kiritimati"));
				Instant eventTime = Instant.parse("2024-03-31T01:30:00.123456Z");
				this.runs.insertLeased(
						List.of(new NewRun("run-1", "fn", "event-1", "test/event", "{}", eventTime, null)), "owner-a",
						LONG_LEASE);
				StepRecord step = new StepRecord("run-1", "step", StepStatus.COMPLETED, 1, null, null, eventTime,
						eventTime.plusMillis(1));
				saveStep(step, 1);
				TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"));
				RunRecord record = this.runs.find("run-1");
				assertThat(record.eventTime()).isEqualTo(eventTime);
				assertThat(this.steps.findSteps("run-1")).containsExactly(step);
				// Database time is UTC-correct too: the servers run on this machine.
				assertThat(record.createdAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
				assertThat(record.leaseUntil()).isCloseTo(Instant.now().plus(LONG_LEASE),
						within(1, ChronoUnit.MINUTES));
			}
			finally {
				TimeZone.setDefault(defaultZone);
			}
		}

		@Test
		void poisonDeadLettersKeepTheRawBytes() throws InterruptedException {
			byte[] value = { 0, 1, (byte) 0xFF, (byte) 0x80, '{' };
			this.deadLetters.savePoison(new DeadLetterRecord("poison-1", null, "fn", null, "not JSON", "jobs.test", 3,
					42L, null, value, Instant.now()));
			Thread.sleep(5);
			this.deadLetters.savePoison(new DeadLetterRecord("poison-2", null, "fn", null, "not JSON", "jobs.test", 0,
					7L, new byte[] { 'k' }, new byte[0], Instant.now()));
			DeadLetterRecord first = this.deadLetters.find("poison-1");
			assertThat(first).isNotNull();
			assertThat(first.runId()).isNull();
			assertThat(first.functionId()).isEqualTo("fn");
			assertThat(first.error()).isEqualTo("not JSON");
			assertThat(first.topic()).isEqualTo("jobs.test");
			assertThat(first.partition()).isEqualTo(3);
			assertThat(first.offset()).isEqualTo(42L);
			assertThat(first.rawKey()).isNull();
			assertThat(first.rawValue()).containsExactly(value);
			assertThat(this.deadLetters.find("poison-2").rawKey()).containsExactly('k');
			assertThat(this.deadLetters.count()).isEqualTo(2);
			assertThat(this.deadLetters.findAll(10)).extracting(DeadLetterRecord::id)
				.containsExactly("poison-2", "poison-1");
			assertThat(this.deadLetters.findAll(1)).extracting(DeadLetterRecord::id).containsExactly("poison-2");
			assertThat(this.deadLetters.find("unknown")).isNull();
		}

		@Test
		void latestEventTimeIsTheLatestOfTheFunctionsRunsForThatEventName() {
			Instant tick = Instant.parse("2026-01-01T10:00:00Z");
			assertThat(this.runs.latestEventTime("fn", "cron/fn")).isNull();
			this.runs.insertLeased(List.of(timedRun("run-1", "fn", "cron/fn", tick),
					timedRun("run-2", "fn", "cron/fn", tick.plusSeconds(3600)),
					timedRun("run-3", "fn", "test/event", tick.plusSeconds(7200)),
					timedRun("run-4", "other-fn", "cron/fn", tick.plusSeconds(9000))), "owner-a", LONG_LEASE);
			assertThat(this.runs.latestEventTime("fn", "cron/fn")).isEqualTo(tick.plusSeconds(3600));
			assertThat(this.runs.latestEventTime("other", "cron/other")).isNull();
		}

		@Test
		void insertChildRecordsAnUnleasedRunThatAnyInstanceClaims() {
			NewRun child = newRun("child", "fn", "invoke:parent:call");
			assertThat(this.runs.insertChild(child, "parent", "call")).isTrue();
			assertThat(this.runs.insertChild(child, "parent", "call")).isFalse();
			RunRecord record = this.runs.find("child");
			assertThat(record.status()).isEqualTo(RunStatus.QUEUED);
			assertThat(record.leaseOwner()).isNull();
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("child");
		}

		@Test
		void completingAChildMakesItsWaitingParentDue() {
			insert("parent", LONG_LEASE);
			this.runs.insertChild(newRun("child", "fn", "invoke:parent:call"), "parent", "call");
			assertThat(this.runs.awaitChild("parent", 1, "child")).isTrue();
			assertThat(this.runs.find("parent").status()).isEqualTo(RunStatus.WAITING);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("child");
			assertThat(complete("child", 2, "\"done\"")).isTrue();
			RunRecord parent = this.runs.find("parent");
			assertThat(parent.status()).isEqualTo(RunStatus.SLEEPING);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("parent");
		}

		@Test
		void cancellingAChildMakesItsWaitingParentDue() {
			insert("parent", LONG_LEASE);
			this.runs.insertChild(newRun("child", "fn", "invoke:parent:call"), "parent", "call");
			this.runs.awaitChild("parent", 1, "child");
			assertThat(this.runs.cancel("child")).isTrue();
			assertThat(this.runs.find("parent").status()).isEqualTo(RunStatus.SLEEPING);
		}

		@Test
		void failingAChildMakesItsWaitingParentDue() {
			insert("parent", LONG_LEASE);
			this.runs.insertChild(newRun("child", "fn", "invoke:parent:call"), "parent", "call");
			this.runs.awaitChild("parent", 1, "child");
			this.runs.claimDue("owner-b", LONG_LEASE, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD);
			assertThat(this.runs.fail("child", 2, "step", "boom")).isTrue();
			assertThat(this.runs.find("parent").status()).isEqualTo(RunStatus.SLEEPING);
		}

		@Test
		void awaitingAChildThatAlreadyFinishedMakesTheRunDueAtOnce() {
			insert("parent", LONG_LEASE);
			this.runs.insertChild(newRun("child", "fn", "invoke:parent:call"), "parent", "call");
			this.runs.claimDue("owner-b", LONG_LEASE, 10, List.of("fn"), Instant.now(), NOT_HELD);
			complete("child", 2, null);
			assertThat(this.runs.awaitChild("parent", 1, "child")).isTrue();
			assertThat(this.runs.find("parent").status()).isEqualTo(RunStatus.SLEEPING);
			assertThat(this.runs.awaitChild("parent", 1, "child")).isFalse();
		}

		private NewRun timedRun(String runId, String functionId, String eventName, Instant eventTime) {
			return new NewRun(runId, functionId, "event-" + runId, eventName, "{}", eventTime, null);
		}

		/**
		 * Saves a step as the engine does, through the checkpoint store, and returns
		 * whether the fence let it through.
		 */
		private boolean saveStep(StepRecord step, long version) {
			return write(new Checkpoint.StepSaved(step, version));
		}

		/**
		 * Completes a run as the engine does, through the checkpoint store, and returns
		 * whether the fence let it through.
		 */
		private boolean complete(String runId, long version, @Nullable String output) {
			return write(new Checkpoint.RunCompleted(runId, version, output));
		}

		private boolean write(Checkpoint checkpoint) {
			List<Boolean> written = this.checkpoints.write(List.of(checkpoint));
			assertThat(written).hasSize(1);
			return written.get(0);
		}

		private void insert(String runId, Duration lease) {
			assertThat(this.runs.insertLeased(List.of(newRun(runId, "fn", "event-" + runId)), "owner-a", lease))
				.containsExactly(runId);
		}

		/**
		 * Turns a run that {@link #insert} recorded as started into one that waits for a
		 * worker, like a run whose instance stopped before executing it.
		 */
		private void queued(String runId) {
			assertThat(JdbcClient.create(this.dataSource)
				.sql("UPDATE bj_runs SET status = 'QUEUED', attempt = 0, started_at = NULL WHERE run_id = :runId")
				.param("runId", runId)
				.update()).isOne();
		}

		private NewRun newRun(String runId, String functionId, String eventId) {
			this.sequence++;
			return new NewRun(runId, functionId, eventId, "test/event", "{\"n\":" + this.sequence + "}",
					Instant.parse("2025-06-01T12:00:00.000001Z").plusSeconds(this.sequence),
					"{\"traceparent\":\"00-" + this.sequence + "\"}");
		}

		private StepRecord step(String runId, String stepId, StepStatus status, String output) {
			Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
			return new StepRecord(runId, stepId, status, 1, output, (status != StepStatus.FAILED) ? null : "boom", now,
					now);
		}

		private List<String> ids(RunQuery query) {
			return this.runs.findRuns(query).stream().map(RunRecord::runId).toList();
		}

		private void expireLeases() throws InterruptedException {
			// The only real wait: lets a 1 ms lease pass on the database clock.
			Thread.sleep(20);

		}

	}

}
