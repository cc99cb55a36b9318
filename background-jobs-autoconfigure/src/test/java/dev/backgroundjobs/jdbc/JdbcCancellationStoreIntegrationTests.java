package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.NewRun.CancelKey;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link JdbcCancellationStore} against every supported database: a
 * cancelling event cancels the unfinished runs with its key that it is not older than,
 * and runs recorded after it are cancelled on arrival.
 */
class JdbcCancellationStoreIntegrationTests {

	private static final String SCHEMA = "bj_cancel_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	private static final Instant TRIGGERED = Instant.parse("2026-03-01T10:00:00Z");

	private static final CancelKey KEY = new CancelKey("order/cancelled", "data.orderId", "s:42");

	@Nested
	class H2 extends CancellationTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends CancellationTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends CancellationTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class CancellationTests {

		JdbcRunStore runs;

		JdbcCancellationStore cancellations;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			DataSource dataSource = dataSource();
			if (initialized.add(dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			JdbcClient jdbc = JdbcClient.create(dataSource);
			for (String table : List.of("bj_event_waits", "bj_cancel_keys", "bj_cancellations", "bj_runs")) {
				jdbc.sql("DELETE FROM " + table).update();
			}
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			this.runs = new JdbcRunStore(dataSource, dialect);
			this.cancellations = new JdbcCancellationStore(dataSource, dialect, this.runs);
		}

		@Test
		void cancelCancelsTheUnfinishedRunsWithItsKeyThatItIsNotOlderThan() {
			insert("ship", "matching", TRIGGERED, KEY);
			insert("ship", "other-value", TRIGGERED, new CancelKey(KEY.eventName(), KEY.matchPath(), "s:43"));
			insert("other-function", "same-key", TRIGGERED, KEY);
			insert("ship", "newer", TRIGGERED.plusSeconds(60), KEY);
			assertThat(this.cancellations.cancel("ship", KEY, TRIGGERED.minusMillis(1))).isZero();
			assertThat(status("ship", "matching")).isEqualTo(RunStatus.RUNNING);
			assertThat(this.cancellations.cancel("ship", KEY, TRIGGERED)).isOne();
			assertThat(status("ship", "matching")).isEqualTo(RunStatus.CANCELLED);
			assertThat(this.runs.find(runId("ship", "matching")).version()).isEqualTo(2);
			assertThat(this.runs.find(runId("ship", "matching")).error())
				.isEqualTo("cancelled by event 'order/cancelled'");
			assertThat(status("ship", "other-value")).isEqualTo(RunStatus.RUNNING);
			assertThat(status("other-function", "same-key")).isEqualTo(RunStatus.RUNNING);
			assertThat(status("ship", "newer")).isEqualTo(RunStatus.RUNNING);
			// A second delivery of the event cancels nothing more.
			assertThat(this.cancellations.cancel("ship", KEY, TRIGGERED)).isZero();
		}

		@Test
		void runsRecordedAfterTheirCancellingEventAreCoveredOnlyWhenNotNewerThanIt() {
			assertThat(this.cancellations.cancel("ship", KEY, TRIGGERED)).isZero();
			// An older cancel does not move the recorded time back.
			assertThat(this.cancellations.cancel("ship", KEY, TRIGGERED.minusSeconds(60))).isZero();
			NewRun older = insert("ship", "older", TRIGGERED.minusSeconds(1), KEY);
			NewRun same = insert("ship", "same", TRIGGERED, KEY);
			NewRun newer = insert("ship", "newer", TRIGGERED.plusMillis(1), KEY);
			NewRun keyless = insert("ship", "keyless", TRIGGERED.minusSeconds(1));
			assertThat(this.cancellations.cancelRecorded(List.of(older, same, newer, keyless)))
				.containsExactlyInAnyOrder(older.runId(), same.runId());
			assertThat(status("ship", "older")).isEqualTo(RunStatus.CANCELLED);
			assertThat(status("ship", "same")).isEqualTo(RunStatus.CANCELLED);
			assertThat(status("ship", "newer")).isEqualTo(RunStatus.RUNNING);
			assertThat(status("ship", "keyless")).isEqualTo(RunStatus.RUNNING);
			// Covered again on a redelivery, though cancelled already.
			assertThat(this.cancellations.cancelRecorded(List.of(older))).containsExactly(older.runId());
		}

		@Test
		void oldCancellationsAreDeleted() {
			this.cancellations.cancel("ship", KEY, TRIGGERED);
			assertThat(this.cancellations.deleteCancellations(Duration.ofHours(1))).isZero();
			assertThat(this.cancellations.deleteCancellations(Duration.ofMillis(-1_000))).isOne();
			NewRun run = insert("ship", "after-deletion", TRIGGERED.minus(1, ChronoUnit.DAYS), KEY);
			assertThat(this.cancellations.cancelRecorded(List.of(run))).isEmpty();
		}

		private NewRun insert(String functionId, String eventId, Instant eventTime, CancelKey... keys) {
			NewRun run = NewRun.forEvent(functionId, eventId, "order/placed", "{}", eventTime, null)
				.withCancelKeys(List.of(keys));
			assertThat(this.runs.insertLeased(List.of(run), "owner", Duration.ofMinutes(5))).hasSize(1);
			return run;
		}

		private RunStatus status(String functionId, String eventId) {
			return this.runs.find(runId(functionId, eventId)).status();
		}

		private static String runId(String functionId, String eventId) {
			return NewRun.deriveRunId(functionId, eventId);
		}

	}

}
