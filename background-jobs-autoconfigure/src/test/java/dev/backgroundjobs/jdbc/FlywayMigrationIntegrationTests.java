package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests proving that Flyway applies the shipped migration scripts as they
 * are, from {@code classpath:db/background-jobs/<vendor>}, for applications whose Flyway
 * owns the schema instead of the starter's migrator.
 */
class FlywayMigrationIntegrationTests {

	@Nested
	class H2 extends FlywayTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.h2(name + "_" + System.nanoTime());
		}

	}

	@Nested
	class PostgreSql extends FlywayTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.postgres(name);
		}

	}

	@Nested
	class MariaDb extends FlywayTests {

		@Override
		DataSource dataSource(String name) {
			return TestDatabases.mariadb(name);
		}

		@Test
		void flywayAppliesTheMysqlScripts() {
			DataSource dataSource = dataSource("bj_flyway_mysql");
			MigrateResult result = Flyway.configure()
				.dataSource(dataSource)
				.locations("classpath:db/background-jobs/mysql")
				.load()
				.migrate();
			assertThat(result.migrationsExecuted).isEqualTo(ShippedSchema.versions().size());
			assertRunsCanBeStored(dataSource);
		}

	}

	abstract static class FlywayTests {

		abstract DataSource dataSource(String name);

		@Test
		void flywayAppliesTheScriptsOfTheDatabaseFromItsVendorLocation() {
			DataSource dataSource = dataSource("bj_flyway_only");
			String vendor = DatabaseDialect.from(dataSource).getPlatform();
			MigrateResult result = Flyway.configure()
				.dataSource(dataSource)
				.locations("classpath:db/background-jobs/" + vendor)
				.load()
				.migrate();
			assertThat(result.migrationsExecuted).isEqualTo(ShippedSchema.versions().size());
			assertThat(result.targetSchemaVersion).isEqualTo(String.valueOf(ShippedSchema.newest()));
			assertRunsCanBeStored(dataSource);
		}

		@Test
		void flywayWithAHistoryTableOfItsOwnAppliesTheScriptsBesideTheApplicationsMigrations() {
			// As docs/operations.md shows: the application's Flyway migrates first, then
			// a second Flyway applies the background-jobs scripts with their own history.
			DataSource dataSource = dataSource("bj_flyway_beside");
			String vendor = DatabaseDialect.from(dataSource).getPlatform();
			Flyway application = Flyway.configure().dataSource(dataSource).locations("classpath:db/application").load();
			assertThat(application.migrate().migrationsExecuted).isOne();
			MigrateResult backgroundJobs = Flyway.configure()
				.configuration(application.getConfiguration())
				.locations("classpath:db/background-jobs/" + vendor)
				.table("bj_flyway_schema_history")
				.baselineOnMigrate(true)
				.baselineVersion("0")
				.load()
				.migrate();
			assertThat(backgroundJobs.migrationsExecuted).isEqualTo(ShippedSchema.versions().size());
			assertThat(application.migrate().migrationsExecuted).isZero();
			assertThat(JdbcClient.create(dataSource).sql("SELECT COUNT(*) FROM documents").query(Long.class).single())
				.isZero();
			assertRunsCanBeStored(dataSource);
		}

		void assertRunsCanBeStored(DataSource dataSource) {
			JdbcRunStore runs = new JdbcRunStore(dataSource);
			runs.insertLeased(List.of(new NewRun("run-1", "fn", "event-1", "test/event", "{}", Instant.now(), null)),
					"owner-a", Duration.ofMinutes(1));
			assertThat(runs.countByStatus()).containsEntry(RunStatus.RUNNING, 1L);
		}

	}

}
