package dev.backgroundjobs.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for how the JDBC stores behave around faults (lost answers of
 * committed transactions, concurrent intake of one event, values a database refuses)
 * against every supported database.
 */
class JdbcStoreFaultIntegrationTests {

	private static final Predicate<String> NOT_HELD = (runId) -> false;

	private static final String SCHEMA = "bj_store_fault_tests";

	private static final Duration LONG_LEASE = Duration.ofMinutes(10);

	private static final List<String> ALL_FUNCTIONS = List.of("fn");

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends FaultTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends FaultTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends FaultTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class FaultTests {

		JdbcRunStore runs;

		JdbcStepStore steps;

		JdbcCheckpointStore checkpoints;

		JdbcDeadLetterStore deadLetters;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() throws SQLException {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			try (Connection connection = dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				for (String table : List.of("bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits",
						"bj_runs")) {
					statement.execute("DELETE FROM " + table);
				}
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.steps = new JdbcStepStore(dataSource, dialect);
			this.checkpoints = new JdbcCheckpointStore(dataSource, dialect,
					new DataSourceTransactionManager(dataSource));
			this.deadLetters = new JdbcDeadLetterStore(dataSource, dialect);
		}

		@Test
		void insertedRunThatNoWorkerHoldsIsNotExtendedAndIsClaimedAfterItsLeaseLapses() {
			// The insert committed, but its answer was lost: nothing holds the run.
			this.runs.insertLeased(List.of(newRun("orphan", "event-1")), "owner-a", Duration.ofSeconds(1));
			this.runs.insertLeased(List.of(newRun("held", "event-2")), "owner-a", Duration.ofSeconds(1));
			Instant orphanLease = this.runs.find("orphan").leaseUntil();
			assertThat(this.runs.extendLeases("owner-a", List.of("held"), LONG_LEASE)).isOne();
			assertThat(this.runs.find("orphan").leaseUntil()).isEqualTo(orphanLease);
			RunRecord reclaimed = awaitClaimed("owner-a", "orphan", LONG_LEASE);
			assertThat(reclaimed.version()).isEqualTo(2);
			assertThat(reclaimed.leaseOwner()).isEqualTo("owner-a");
			assertThat(this.runs.find("held").status()).isEqualTo(RunStatus.RUNNING);
		}

		@Test
		void claimedRunWhoseAnswerWasLostIsClaimedAgainAfterItsLeaseLapses() {
			this.runs.insertLeased(List.of(newRun("run-1", "event-1")), "gone", Duration.ofMillis(1));
			awaitClaimed("owner-a", "run-1", Duration.ofSeconds(1));
			// The claim committed, but its answer never reached the poller: nothing
			// holds the run, so heartbeats leave its lease alone.
			this.runs.extendLeases("owner-a", List.of(), LONG_LEASE);
			RunRecord reclaimed = awaitClaimed("owner-b", "run-1", LONG_LEASE);
			assertThat(reclaimed.version()).isEqualTo(3);
			assertThat(reclaimed.leaseOwner()).isEqualTo("owner-b");
		}

		@Test
		void twoTransactionsInsertingTheSameRunsHaveExactlyOneWinnerForEach() throws Exception {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			try {
				for (int round = 0; round < 40; round++) {
					List<NewRun> batch = new ArrayList<>();
					for (int i = 0; i < 5; i++) {
						batch.add(newRun("run-" + round + "-" + i, "event-" + round + "-" + i));
					}
					CyclicBarrier barrier = new CyclicBarrier(2);
					List<Future<List<String>>> results = new ArrayList<>();
					for (int thread = 0; thread < 2; thread++) {
						// One instance, two consumer threads: the same owner.
						results.add(executor.submit(() -> {
							barrier.await();
							return this.runs.insertLeased(batch, "owner-a", LONG_LEASE);
						}));
					}
					List<String> winners = new ArrayList<>(results.get(0).get(60, TimeUnit.SECONDS));
					winners.addAll(results.get(1).get(60, TimeUnit.SECONDS));
					assertThat(winners).as("round " + round)
						.containsExactlyInAnyOrderElementsOf(batch.stream().map(NewRun::runId).toList());
				}
			}
			finally {
				executor.shutdownNow();
			}
		}

		@Test
		void textWithNulCharactersIsStoredWithReplacementCharacters() {
			this.runs.insertLeased(List.of(new NewRun("run-1", "fn", "event\u00001", "test/\u0000event", "{}",
					Instant.parse("2025-06-01T12:00:00Z"), null)), "owner-a", LONG_LEASE);
			RunRecord run = this.runs.find("run-1");
			assertThat(run.eventId()).isEqualTo("event\uFFFD1");
			assertThat(run.eventName()).isEqualTo("test/\uFFFDevent");
			Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
			StepRecord failed = new StepRecord("run-1", "step-1", StepStatus.FAILED, 1, null, "bad\u0000byte", now,
					now);
			assertThat(this.checkpoints.write(List.of(new Checkpoint.StepSaved(failed, 1)))).containsExactly(true);
			assertThat(this.steps.findSteps("run-1")).extracting(StepRecord::error).containsExactly("bad\uFFFDbyte");
			assertThat(this.runs.park("run-1", 1, Duration.ZERO, "parked\u0000", 1)).isTrue();
			assertThat(this.runs.find("run-1").error()).isEqualTo("parked\uFFFD");
			RunRecord claimed = awaitClaimed("owner-a", "run-1", LONG_LEASE);
			assertThat(this.runs.fail("run-1", claimed.version(), "step-1", "failed\u0000")).isTrue();
			assertThat(this.runs.find("run-1").error()).isEqualTo("failed\uFFFD");
			assertThat(this.deadLetters.find("run-1").error()).isEqualTo("failed\uFFFD");
		}

		private RunRecord awaitClaimed(String owner, String runId, Duration lease) {
			List<RunRecord> claimed = new ArrayList<>();
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
				this.runs.claimDue(owner, lease, 10, ALL_FUNCTIONS, Instant.now(), NOT_HELD)
					.stream()
					.filter((run) -> run.runId().equals(runId))
					.forEach(claimed::add);
				return !claimed.isEmpty();
			});
			return claimed.get(0);
		}

		private static NewRun newRun(String runId, String eventId) {
			return new NewRun(runId, "fn", eventId, "test/event", "{}", Instant.parse("2025-06-01T12:00:00Z"), null);
		}

	}

}
