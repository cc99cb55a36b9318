package dev.backgroundjobs.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the dead letters of {@link JdbcDeadLetterStore} as the outbox of
 * the dead-letter topic, against every supported database.
 */
class JdbcDeadLetterStoreIntegrationTests {

	private static final String SCHEMA = "bj_dead_letter_tests";

	private static final String UPGRADE_SCHEMA = "bj_dead_letter_upgrade";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends DeadLetterTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.h2(name);
		}

	}

	@Nested
	class PostgreSql extends DeadLetterTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.postgres(name);
		}

	}

	@Nested
	class MariaDb extends DeadLetterTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.mariadb(name);
		}

	}

	abstract static class DeadLetterTests {

		DataSource dataSource;

		JdbcDeadLetterStore deadLetters;

		JdbcRunStore runs;

		abstract DataSource dataSource(String name);

		@BeforeEach
		void prepareDatabase() throws SQLException {
			this.dataSource = dataSource(SCHEMA);
			if (initialized.add(this.dataSource)) {
				initializeSchema(this.dataSource);
			}
			try (Connection connection = this.dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				statement.execute("DELETE FROM bj_dead_letters");
				statement.execute("DELETE FROM bj_runs");
			}
			this.deadLetters = new JdbcDeadLetterStore(this.dataSource);
			this.runs = new JdbcRunStore(this.dataSource);
		}

		@Test
		void thePoisonRecordDeliveredTwiceMakesOneDeadLetter() {
			String id = DeadLetterRecord.poisonId("fn", "jobs.test", 2, 41L);
			assertThat(DeadLetterRecord.poisonId("fn", "jobs.test", 2, 41L)).isEqualTo(id);
			assertThat(DeadLetterRecord.poisonId("fn", "jobs.test", 2, 42L)).isNotEqualTo(id);
			assertThat(this.deadLetters.savePoison(poison(id, "not JSON"))).isTrue();
			assertThat(this.deadLetters.savePoison(poison(id, "not JSON"))).isFalse();
			assertThat(this.deadLetters.count()).isOne();
			assertThat(this.deadLetters.countUnpublished()).isOne();
		}

		@Test
		void poisonTextWithNulIsStoredWithAReplacementCharacter() {
			String id = DeadLetterRecord.poisonId("fn", "jobs.test", 0, 1L);
			this.deadLetters.savePoison(poison(id, "starts with: \u0000{"));
			DeadLetterRecord stored = this.deadLetters.find(id);
			assertThat(stored.error()).isEqualTo("starts with: \uFFFD{");
			assertThat(stored.rawValue()).containsExactly(0, '{');
			assertThat(stored.rawHeaders()).containsExactly(1, 2, 3);
		}

		@Test
		void relayPublishesEachDeadLetterUntilAcknowledgedAndThenNeverAgain() {
			String first = DeadLetterRecord.poisonId("fn", "jobs.test", 0, 1L);
			String second = DeadLetterRecord.poisonId("fn", "jobs.test", 0, 2L);
			this.deadLetters.savePoison(poison(first, "one"));
			this.deadLetters.savePoison(poison(second, "two"));
			List<String> offered = new ArrayList<>();
			// The broker acknowledges only the first.
			assertThat(this.deadLetters.relayUnpublished(10, (claimed) -> {
				claimed.forEach((deadLetter) -> offered.add(deadLetter.id()));
				return List.of(first);
			})).isOne();
			assertThat(offered).containsExactlyInAnyOrder(first, second);
			assertThat(this.deadLetters.countUnpublished()).isOne();
			offered.clear();
			assertThat(this.deadLetters.relayUnpublished(10, (claimed) -> {
				claimed.forEach((deadLetter) -> offered.add(deadLetter.id()));
				return List.of(second);
			})).isOne();
			assertThat(offered).containsExactly(second);
			assertThat(this.deadLetters.countUnpublished()).isZero();
			assertThat(this.deadLetters.relayUnpublished(10, (claimed) -> {
				throw new AssertionError("Nothing is left to publish, but got " + claimed);
			})).isZero();
			assertThat(this.deadLetters.count()).isEqualTo(2);
		}

		@Test
		void twoRelaysNeverClaimTheSameDeadLetter() throws Exception {
			String id = DeadLetterRecord.poisonId("fn", "jobs.test", 0, 1L);
			this.deadLetters.savePoison(poison(id, "one"));
			AtomicReference<List<DeadLetterRecord>> claimedByOther = new AtomicReference<>();
			this.deadLetters.relayUnpublished(10, (claimed) -> {
				assertThat(claimed).extracting(DeadLetterRecord::id).containsExactly(id);
				Thread other = new Thread(() -> this.deadLetters.relayUnpublished(10, (otherClaimed) -> {
					claimedByOther.set(otherClaimed);
					return List.of();
				}));
				other.start();
				try {
					other.join(10_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return List.of(id);
			});
			// The other relay skipped the locked row: it found nothing to claim.
			assertThat(claimedByOther.get()).isNull();
			assertThat(this.deadLetters.countUnpublished()).isZero();
		}

		@Test
		void findMatchingSelectsByFunctionTimeRangeAndErrorTextOldestFirst() {
			Instant noon = Instant.parse("2026-01-10T12:00:00Z");
			save("a", "orders", "Timeout calling PAYMENTS", noon);
			save("b", "orders", "Card declined", noon.plusSeconds(60));
			save("c", "orders", "timeout calling payments", noon.plusSeconds(120));
			save("d", "emails", "Timeout calling SMTP", noon.plusSeconds(30));
			save("e", "orders", "100% of 5_ retries used", noon.plusSeconds(90));
			assertThat(ids(new DeadLetterFilter("orders", null, null, null, 10))).containsExactly("a", "b", "e", "c");
			assertThat(ids(new DeadLetterFilter(null, null, null, "TIMEOUT CALLING", 10))).containsExactly("a", "d",
					"c");
			assertThat(ids(new DeadLetterFilter("orders", noon.plusSeconds(60), noon.plusSeconds(120), null, 10)))
				.containsExactly("b", "e");
			// Wildcards in the text are matched literally.
			assertThat(ids(new DeadLetterFilter(null, null, null, "100% of 5_", 10))).containsExactly("e");
			assertThat(ids(new DeadLetterFilter(null, null, null, "0%", 10))).containsExactly("e");
			assertThat(ids(new DeadLetterFilter(null, null, null, "t_meout", 10))).isEmpty();
			assertThat(ids(new DeadLetterFilter("orders", null, null, "timeout", 1))).containsExactly("a");
		}

		private void save(String id, String functionId, String error, Instant createdAt) {
			assertThat(this.deadLetters.savePoison(new DeadLetterRecord(id, null, functionId, null, error, "jobs.test",
					0, 1L, null, new byte[] { '{' }, Instant.now(), null)))
				.isTrue();
			JdbcClient.create(this.dataSource)
				.sql("UPDATE bj_dead_letters SET created_at = :createdAt WHERE id = :id")
				.param("createdAt", DatabaseDialect.from(this.dataSource).bind(createdAt))
				.param("id", id)
				.update();
		}

		private List<String> ids(DeadLetterFilter filter) {
			return this.deadLetters.findMatching(filter).stream().map(DeadLetterRecord::id).toList();
		}

		@Test
		void deadLetterOfAFailedRunIsToPublishAndItsReplayRemovesIt() {
			NewRun run = new NewRun("run-1", "fn", "event-1", "test/event", "{}", Instant.now(), null);
			this.runs.insertLeased(List.of(run), "owner", Duration.ofMinutes(1));
			assertThat(this.runs.fail("run-1", 1, "step", "Broken step")).isTrue();
			assertThat(this.deadLetters.countUnpublished()).isOne();
			assertThat(this.deadLetters.find("run-1").error()).isEqualTo("Broken step");
			assertThat(this.runs.replay("run-1", "owner", Duration.ofMinutes(1))).isNotNull();
			assertThat(this.deadLetters.countUnpublished()).isZero();
			assertThat(this.deadLetters.relayUnpublished(10, (claimed) -> {
				throw new AssertionError("A replayed run's dead letter is never published, but got " + claimed);
			})).isZero();
		}

		@Test
		void schemaOfAnEarlierVersionGainsTheRelayColumnsAndItsDeadLettersCountAsPublished() throws SQLException {
			DataSource earlier = dataSource(UPGRADE_SCHEMA);
			JdbcClient jdbc = JdbcClient.create(earlier);
			jdbc.sql("DROP TABLE IF EXISTS bj_dead_letters").update();
			jdbc.sql("""
					CREATE TABLE bj_dead_letters (id VARCHAR(255) NOT NULL PRIMARY KEY, run_id VARCHAR(255),
					function_id VARCHAR(255) NOT NULL, step_id VARCHAR(255), error VARCHAR(2000) NOT NULL,
					record_topic VARCHAR(255), record_partition INTEGER NOT NULL, record_offset BIGINT NOT NULL,
					record_key VARCHAR(255), record_value VARCHAR(255), created_at TIMESTAMP(6) NOT NULL)""").update();
			jdbc.sql("""
					INSERT INTO bj_dead_letters (id, function_id, error, record_partition, record_offset, created_at)
					VALUES ('old', 'fn', 'published long ago', -1, -1, CURRENT_TIMESTAMP)""").update();
			initializeSchema(earlier);
			JdbcDeadLetterStore upgraded = new JdbcDeadLetterStore(earlier);
			assertThat(upgraded.count()).isOne();
			assertThat(upgraded.countUnpublished()).isZero();
			jdbc.sql("DROP TABLE bj_dead_letters").update();
		}

		private static DeadLetterRecord poison(String id, String error) {
			return new DeadLetterRecord(id, null, "fn", null, error, "jobs.test", 0, 1L, null, new byte[] { 0, '{' },
					Instant.now(), new byte[] { 1, 2, 3 });
		}

		private static void initializeSchema(DataSource dataSource) {
			BackgroundJobsJdbcProperties properties = new BackgroundJobsJdbcProperties();
			// Twice: every statement must be idempotent.
			new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, properties).initializeDatabase();
			new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, properties).initializeDatabase();
		}

	}

}
