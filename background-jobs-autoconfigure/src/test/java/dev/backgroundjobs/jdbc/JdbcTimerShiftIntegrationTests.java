package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.BatchedEvent;
import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Integration tests for {@link JdbcTimerShift} against every supported database: stored
 * wake times and wait deadlines move earlier, leases do not.
 */
class JdbcTimerShiftIntegrationTests {

	private static final String SCHEMA = "bj_timer_shift_tests";

	private static final Duration LEASE = Duration.ofMinutes(10);

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends ShiftTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends ShiftTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends ShiftTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class ShiftTests {

		JdbcRunStore runs;

		JdbcEventWaitStore waits;

		JdbcTimerShift shift;

		JdbcBatchStore batches;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			JdbcClient jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_event_waits", "bj_batch_events", "bj_batches", "bj_runs")) {
				jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.waits = new JdbcEventWaitStore(dataSource, dialect, (name) -> new EventLogPosition(Map.of(0, 0L)));
			this.shift = new JdbcTimerShift(dataSource, dialect);
			this.batches = new JdbcBatchStore(dataSource, dialect, new JdbcTransactionManager(dataSource));
		}

		@Test
		void anOpenBatchShiftedPastItsTimeoutIsDueEvenAfterAnotherEventArrives() {
			this.batches.add(List.of(batchEvent("e1")), 10, "owner-a", LEASE);
			assertThat(this.batches.closeDue("fn", 10, Duration.ofHours(1), 10, "owner-a", LEASE)).isEmpty();
			assertThat(this.shift.shiftEarlier(Duration.ofHours(1))).isOne();
			this.batches.add(List.of(batchEvent("e2")), 10, "owner-a", LEASE);
			assertThat(this.batches.closeDue("fn", 10, Duration.ofHours(1), 10, "owner-a", LEASE)).singleElement()
				.satisfies((run) -> assertThat(run.eventData()).contains("\"e1\"", "\"e2\""));
		}

		@Test
		void wakeTimesAndWaitDeadlinesMoveEarlierAndLeasesStay() {
			insert("sleeping");
			insert("waiting");
			insert("running");
			assertThat(this.runs.park("sleeping", 1, Duration.ofHours(1), null, 0)).isTrue();
			assertThat(this.waits.awaitEvent("waiting", 1, "reply", "test/reply", "data.id", "s:1", Duration.ofDays(1)))
				.isTrue();
			Instant sleepingWake = this.runs.find("sleeping").wakeAt();
			Instant waitingWake = this.runs.find("waiting").wakeAt();
			Instant deadline = this.waits.find("waiting", "reply").expiresAt();
			Instant lease = this.runs.find("running").leaseUntil();

			assertThat(this.shift.shiftEarlier(Duration.ofMinutes(30))).isEqualTo(3);

			assertThat(this.runs.find("sleeping").wakeAt()).isEqualTo(sleepingWake.minus(Duration.ofMinutes(30)));
			assertThat(this.runs.find("waiting").wakeAt()).isEqualTo(waitingWake.minus(Duration.ofMinutes(30)));
			assertThat(this.waits.find("waiting", "reply").expiresAt())
				.isEqualTo(deadline.minus(Duration.ofMinutes(30)));
			assertThat(this.runs.find("running").leaseUntil()).isEqualTo(lease);
		}

		@Test
		void aRunShiftedPastItsWakeTimeIsDue() {
			insert("sleeping");
			assertThat(this.runs.park("sleeping", 1, Duration.ofHours(1), null, 0)).isTrue();
			assertThat(claimDue()).isEmpty();
			this.shift.shiftEarlier(Duration.ofHours(1));
			assertThat(claimDue()).extracting(RunRecord::runId).containsExactly("sleeping");
		}

		@Test
		void aRunThatIsNotParkedIsLeftAlone() {
			insert("running");
			assertThat(this.shift.shiftEarlier(Duration.ofHours(1))).isZero();
			RunRecord run = this.runs.find("running");
			assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
			assertThat(run.leaseUntil()).isCloseTo(Instant.now().plus(LEASE), within(1, ChronoUnit.MINUTES));
		}

		private static BatchedEvent batchEvent(String id) {
			return new BatchedEvent("fn", "", id, "test/event", "{}", Instant.now(), null);
		}

		private List<RunRecord> claimDue() {
			return this.runs.claimDue("owner-b", LEASE, 10, List.of("fn"), null, (runId) -> false);
		}

		private void insert(String runId) {
			NewRun run = new NewRun(runId, "fn", "event-" + runId, "test/event", "{\"id\":1}", Instant.now(), null);
			assertThat(this.runs.insertLeased(List.of(run), "owner-a", LEASE)).containsExactly(runId);
		}

	}

}
