package dev.backgroundjobs.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.testsupport.Concurrently;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ScriptUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link SchemaMigrator} against every supported database: an empty
 * database gets every version, a database created by the unversioned schema of earlier
 * releases is taken over with its runs, and two instances starting at once on an empty
 * database both start.
 */
class SchemaMigratorIntegrationTests {

	@Nested
	class H2 extends MigratorTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.h2(name + "_" + System.nanoTime());
		}

	}

	@Nested
	class PostgreSql extends MigratorTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.postgres(name);
		}

	}

	@Nested
	class MariaDb extends MigratorTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.mariadb(name);
		}

		@Test
		void mysqlScriptsTakeOverAnUnversionedDatabaseWhoseWaitsLackTheColumnsAddedSince() throws Exception {
			// MariaDB runs the MySQL scripts as MySQL would: the columns added since the
			// first release are added from information_schema, as MySQL has no ADD
			// COLUMN IF NOT EXISTS.
			DataSource dataSource = dataSource("bj_migrate_mysql");
			JdbcClient jdbc = JdbcClient.create(dataSource);
			createUnversioned(dataSource, "mysql");
			jdbc.sql("ALTER TABLE bj_event_waits DROP COLUMN start_offsets, DROP COLUMN start_generation").update();
			jdbc.sql("ALTER TABLE bj_dead_letters DROP INDEX bj_dead_letters_pending_idx, DROP COLUMN record_headers, "
					+ "DROP COLUMN publish_pending, DROP COLUMN published_at")
				.update();
			JdbcRunStore runs = new JdbcRunStore(dataSource, DatabaseDialect.MYSQL);
			runs.insertLeased(List.of(newRun("kept")), "owner-a", Duration.ofMinutes(1));
			assertThat(new SchemaMigrator(dataSource, DatabaseDialect.MYSQL).migrate())
				.containsExactlyElementsOf(ShippedSchema.versions());
			assertThat(columns(jdbc, "bj_event_waits")).contains("start_offsets", "start_generation");
			assertThat(columns(jdbc, "bj_dead_letters")).contains("record_headers", "publish_pending", "published_at");
			assertThat(runs.find("kept")).isNotNull();
			assertThat(new SchemaMigrator(dataSource, DatabaseDialect.MYSQL).migrate()).isEmpty();
		}

		private List<String> columns(JdbcClient jdbc, String table) {
			return jdbc
				.sql("SELECT column_name FROM information_schema.columns "
						+ "WHERE table_schema = DATABASE() AND table_name = :table")
				.param("table", table)
				.query(String.class)
				.list();
		}

	}

	abstract static class MigratorTests {

		private int sequence;

		abstract DataSource dataSource(String name);

		@Test
		void emptyDatabaseGetsEveryVersionInOrderAndASecondStartAppliesNothing() {
			DataSource dataSource = dataSource("bj_migrate_empty");
			SchemaMigrator migrator = new SchemaMigrator(dataSource, DatabaseDialect.from(dataSource));
			assertThat(migrator.migrate()).containsExactlyElementsOf(ShippedSchema.versions());
			assertThat(versions(dataSource)).containsExactlyElementsOf(ShippedSchema.rows("SQL"));
			assertThat(migrator.migrate()).isEmpty();
			assertThat(versions(dataSource)).containsExactlyElementsOf(ShippedSchema.rows("SQL"));
			JdbcRunStore runs = new JdbcRunStore(dataSource);
			runs.insertLeased(List.of(newRun("run-1")), "owner-a", Duration.ofMinutes(1));
			assertThat(runs.countByStatus()).containsEntry(RunStatus.RUNNING, 1L);
		}

		@Test
		void databaseCreatedByTheUnversionedSchemaIsTakenOverAsVersionOneAndKeepsItsRunsAndSteps() throws Exception {
			DataSource dataSource = dataSource("bj_migrate_unversioned");
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			createUnversioned(dataSource, dialect.getPlatform());
			JdbcRunStore runs = new JdbcRunStore(dataSource, dialect);
			runs.insertLeased(List.of(newRun("run-1"), newRun("run-2")), "owner-a", Duration.ofMinutes(1));
			Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
			new JdbcCheckpointStore(dataSource, dialect, new DataSourceTransactionManager(dataSource))
				.write(List.of(new Checkpoint.StepSaved(
						new StepRecord("run-1", "first", StepStatus.COMPLETED, 1, "\"one\"", null, now, now), 1)));
			assertThat(new SchemaMigrator(dataSource, dialect).migrate())
				.containsExactlyElementsOf(ShippedSchema.versions());
			assertThat(versions(dataSource)).containsExactlyElementsOf(ShippedSchema.rows("BASELINE"));
			assertThat(runs.findRuns(new RunQuery(null, null, null, 10))).extracting(RunRecord::runId)
				.containsExactlyInAnyOrder("run-1", "run-2");
			assertThat(new JdbcStepStore(dataSource, dialect).findSteps("run-1")).extracting(StepRecord::output)
				.containsExactly("\"one\"");
			assertThat(runs.findRuns(new RunQuery(RunStatus.RUNNING, null, null, 10))).hasSize(2);
		}

		@Test
		void twoMigratorsStartedAtOnceOnAnEmptyDatabaseBothSucceedAndApplyEachScriptOnce() throws Exception {
			DataSource dataSource = dataSource("bj_migrate_race");
			DatabaseDialect dialect = DatabaseDialect.from(dataSource);
			CyclicBarrier barrier = new CyclicBarrier(2);
			Callable<List<Integer>> migrate = () -> {
				barrier.await();
				return new SchemaMigrator(dataSource, dialect).migrate();
			};
			List<List<Integer>> applied = Concurrently.run(List.of(migrate, migrate));
			List<Integer> all = new ArrayList<>(applied.get(0));
			all.addAll(applied.get(1));
			assertThat(all).containsExactlyInAnyOrderElementsOf(ShippedSchema.versions());
			assertThat(versions(dataSource)).containsExactlyElementsOf(ShippedSchema.rows("SQL"));
		}

		void createUnversioned(DataSource dataSource, String platform) throws SQLException {
			try (Connection connection = dataSource.getConnection()) {
				ScriptUtils.executeSqlScript(connection,
						new ClassPathResource("dev/backgroundjobs/jdbc/unversioned/schema-" + platform + ".sql"));
			}
		}

		NewRun newRun(String runId) {
			this.sequence++;
			return new NewRun(runId, "fn", "event-" + runId, "test/event", "{\"n\":" + this.sequence + "}",
					Instant.parse("2025-06-01T12:00:00Z").plusSeconds(this.sequence), null);
		}

		private List<String> versions(DataSource dataSource) {
			return JdbcClient.create(dataSource)
				.sql("SELECT version, kind FROM bj_schema_version WHERE version > 0 ORDER BY version")
				.query((rs, row) -> rs.getInt("version") + ":" + rs.getString("kind"))
				.list();

		}

	}

}
