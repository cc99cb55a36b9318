package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.EventLog;
import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.EventWaitStore.Arrival;
import dev.backgroundjobs.store.EventWaitStore.Resolution;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

/**
 * Integration tests for {@link JdbcEventWaitStore} against every supported database: a
 * wait begins at a position in the event's log, and only events at or past it resolve it.
 */
class JdbcEventWaitStoreIntegrationTests {

	private static final Predicate<String> NOT_HELD = (runId) -> false;

	private static final String SCHEMA = "bj_wait_tests";

	private static final Duration LONG_LEASE = Duration.ofMinutes(10);

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends WaitTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends WaitTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends WaitTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class WaitTests {

		private static final EventLogPosition START = new EventLogPosition(Map.of(0, 10L, 1, 20L));

		JdbcRunStore runs;

		JdbcEventWaitStore waits;

		DataSource dataSource;

		final List<String> logReads = new ArrayList<>();

		volatile Function<String, EventLogPosition> log = (name) -> START;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			this.dataSource = dataSource();
			if (initialized.add(this.dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource,
						new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			JdbcClient jdbc = JdbcClient.create(this.dataSource);
			jdbc.sql("DELETE FROM bj_event_waits").update();
			jdbc.sql("DELETE FROM bj_runs").update();
			DatabaseDialect dialect = DatabaseDialect.from(this.dataSource);
			this.runs = new JdbcRunStore(this.dataSource, dialect);
			EventLog eventLog = (name) -> {
				this.logReads.add(name);
				return this.log.apply(name);
			};
			this.waits = new JdbcEventWaitStore(this.dataSource, dialect, eventLog);
		}

		@Test
		void awaitEventParksTheRunAndOnlyAMatchingEventPastTheWaitsStartResolvesIt() {
			insert("run-1");
			assertThat(await("run-1", Duration.ofMinutes(5))).isTrue();
			RunRecord waiting = this.runs.find("run-1");
			assertThat(waiting.status()).isEqualTo(RunStatus.WAITING);
			assertThat(waiting.leaseOwner()).isNull();
			EventWait wait = this.waits.find("run-1", "approval");
			assertThat(this.waits.findByRun("run-1")).containsExactly(wait);
			assertThat(wait.expiresAt()).isCloseTo(wait.createdAt().plus(Duration.ofMinutes(5)),
					within(1, ChronoUnit.SECONDS));
			assertThat(this.waits.matchPaths(List.of("test/approved", "test/other")))
				.containsExactly(Map.entry("test/approved", Set.of("data.doc")));
			assertThat(this.waits.earliestOpenWaitStarts()).containsExactly(Map.entry("test/approved", START));
			assertThat(resolve("s:43", 1, 20, "{}")).isEqualTo(new Resolution(0, 0));
			assertThat(resolve("s:42", 0, 9, "{}")).isEqualTo(new Resolution(0, 0));
			assertThat(resolve("s:42", 1, 19, "{}")).isEqualTo(new Resolution(0, 0));
			assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.WAITING);
			assertThat(resolve("s:42", 1, 20, "{\"id\":\"e\"}")).isEqualTo(new Resolution(1, 0));
			assertThat(this.waits.find("run-1", "approval").resolvedEvent()).isEqualTo("{\"id\":\"e\"}");
			assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.SLEEPING);
			assertThat(resolve("s:42", 1, 21, "{}")).isEqualTo(new Resolution(0, 0));
			assertThat(this.waits.matchPaths(List.of("test/approved"))).isEmpty();
			this.waits.delete("run-1", "approval");
			assertThat(this.waits.find("run-1", "approval")).isNull();
		}

		@Test
		void anEventOnAPartitionTheLogDidNotHaveWhenTheWaitBeganResolvesIt() {
			insert("run-1");
			await("run-1", Duration.ofMinutes(5));
			assertThat(resolve("s:42", 2, 0, "{}")).isEqualTo(new Resolution(1, 0));
		}

		@Test
		void aWaitIsVisibleBeforeItReadsTheEndOfTheLogAndResolvesOnlyOnceItHasAStart() {
			insert("run-1");
			List<Resolution> whileBeginning = new ArrayList<>();
			this.log = (name) -> {
				// Another connection already sees the wait, as pending.
				whileBeginning.add(resolve("s:42", 0, 10, "{}"));
				return START;
			};
			assertThat(await("run-1", Duration.ofMinutes(5))).isTrue();
			assertThat(whileBeginning).containsExactly(new Resolution(0, 1));
			assertThat(resolve("s:42", 0, 10, "{}")).isEqualTo(new Resolution(1, 0));
		}

		@Test
		void aWaitRestartedWhileItBeginsReadsTheEndOfTheLogAgain() {
			insert("run-1");
			this.log = (name) -> {
				if (this.logReads.size() == 1) {
					// A consumer gave up waiting for the start while it was being read.
					assertThat(this.waits.resolve(new Arrival("test/approved", 0, 12, "{}"), "data.doc", "s:42", true))
						.isEqualTo(new Resolution(0, 0));
					return START;
				}
				return new EventLogPosition(Map.of(0, 13L, 1, 20L));
			};
			assertThat(await("run-1", Duration.ofMinutes(5))).isTrue();
			assertThat(this.logReads).hasSize(2);
			assertThat(resolve("s:42", 0, 12, "{}")).isEqualTo(new Resolution(0, 0));
			assertThat(resolve("s:42", 0, 13, "{}")).isEqualTo(new Resolution(1, 0));
		}

		@Test
		void aRunWhoseWaitCouldNotReadTheLogStaysLeasedAndBeginsItsWaitWhenRetried() {
			insert("run-1");
			this.log = (name) -> {
				throw new BrokerUnavailableException("Broker down", null);
			};
			assertThatExceptionOfType(TransientDataAccessResourceException.class)
				.isThrownBy(() -> await("run-1", Duration.ofMinutes(5)))
				.withMessageContaining("run-1")
				.withMessageContaining("test/approved");
			assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.RUNNING);
			assertThat(resolve("s:42", 0, 10, "{}")).isEqualTo(new Resolution(0, 1));
			assertThat(this.waits.earliestOpenWaitStarts())
				.containsExactly(Map.entry("test/approved", EventLogPosition.START));
			this.log = (name) -> START;
			assertThat(await("run-1", Duration.ofMinutes(5))).isTrue();
			assertThat(resolve("s:42", 0, 10, "{}")).isEqualTo(new Resolution(1, 0));
		}

		@Test
		void reParkingAWaitKeepsItsStart() {
			insert("run-1");
			await("run-1", Duration.ofMinutes(5));
			JdbcClient.create(this.dataSource)
				.sql("UPDATE bj_runs SET status = 'RUNNING', version = 2 WHERE run_id = 'run-1'")
				.update();
			this.log = (name) -> new EventLogPosition(Map.of(0, 99L));
			assertThat(this.waits.awaitEvent("run-1", 2, "approval", "test/approved", "data.doc", "s:42",
					Duration.ofMinutes(5)))
				.isTrue();
			assertThat(this.logReads).hasSize(1);
			assertThat(resolve("s:42", 0, 10, "{}")).isEqualTo(new Resolution(1, 0));
		}

		@Test
		void earliestOpenWaitStartsAreTheEarliestOffsetOfEachPartitionPerEventName() {
			insert("run-1");
			insert("run-2");
			await("run-1", Duration.ofMinutes(5));
			this.log = (name) -> new EventLogPosition(Map.of(0, 5L, 1, 30L));
			await("run-2", Duration.ofMinutes(5));
			assertThat(this.waits.earliestOpenWaitStarts())
				.containsExactly(Map.entry("test/approved", new EventLogPosition(Map.of(0, 5L, 1, 20L))));
		}

		@Test
		void waitingRunIsClaimedWhenItsWaitTimesOut() {
			insert("run-1");
			await("run-1", Duration.ZERO);
			assertThat(this.runs.claimDue("owner-b", LONG_LEASE, 10, List.of("fn"), Instant.now(), NOT_HELD))
				.extracting(RunRecord::runId)
				.containsExactly("run-1");
		}

		private boolean await(String runId, Duration timeout) {
			return this.waits.awaitEvent(runId, 1, "approval", "test/approved", "data.doc", "s:42", timeout);
		}

		private Resolution resolve(String value, int partition, long offset, String json) {
			return this.waits.resolve(new Arrival("test/approved", partition, offset, json), "data.doc", value, false);
		}

		private void insert(String runId) {
			NewRun run = new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", Instant.now(), null);
			assertThat(this.runs.insertLeased(List.of(run), "owner-a", LONG_LEASE)).containsExactly(runId);
		}

	}

}
