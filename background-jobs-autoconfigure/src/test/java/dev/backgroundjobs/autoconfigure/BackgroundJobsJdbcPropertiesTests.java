package dev.backgroundjobs.autoconfigure;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;

import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BackgroundJobsJdbcProperties} and
 * {@link BackgroundJobsDataSourceScriptDatabaseInitializer}.
 */
class BackgroundJobsJdbcPropertiesTests {

	@Test
	void schemaIsMigratedOnEveryDatabaseByDefault() {
		BackgroundJobsJdbcProperties properties = new BackgroundJobsJdbcProperties();
		assertThat(properties.getInitializeSchema()).isEqualTo(DatabaseInitializationMode.ALWAYS);
	}

	@Test
	void everyPlatformHasTheSameVersionedScripts() {
		for (String platform : List.of("h2", "postgresql", "mariadb", "mysql")) {
			for (String script : List.of("V1__baseline.sql", "V2__retention_and_query_indexes.sql", "V3__outbox.sql",
					"V4__dashboard_indexes.sql")) {
				assertThat(new ClassPathResource("db/background-jobs/" + platform + "/" + script).exists())
					.as(platform + "/" + script)
					.isTrue();
			}
		}
	}

	@Test
	void initializerMigratesTheSchemaOfTheDetectedDatabaseOnce() throws Exception {
		DataSource dataSource = TestDatabases.h2();
		assertThat(new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
			.initializeDatabase()).isTrue();
		assertThat(tables(dataSource)).contains("BJ_RUNS", "BJ_STEPS", "BJ_DEAD_LETTERS", "BJ_SCHEMA_VERSION");
		assertThat(new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
			.initializeDatabase()).isFalse();
	}

	@Test
	void embeddedModeMigratesAnEmbeddedDatabase() throws Exception {
		DataSource dataSource = TestDatabases.h2();
		BackgroundJobsJdbcProperties properties = new BackgroundJobsJdbcProperties();
		properties.setInitializeSchema(DatabaseInitializationMode.EMBEDDED);
		assertThat(new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, properties).initializeDatabase())
			.isTrue();
		assertThat(tables(dataSource)).contains("BJ_RUNS");
	}

	@Test
	void initializerDoesNothingWhenInitializationIsDisabled() throws Exception {
		DataSource dataSource = TestDatabases.h2();
		BackgroundJobsJdbcProperties properties = new BackgroundJobsJdbcProperties();
		properties.setInitializeSchema(DatabaseInitializationMode.NEVER);
		assertThat(new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, properties).initializeDatabase())
			.isFalse();
		assertThat(tables(dataSource)).doesNotContain("BJ_RUNS");
	}

	private List<String> tables(DataSource dataSource) throws Exception {
		List<String> tables = new ArrayList<>();
		try (Connection connection = dataSource.getConnection()) {
			DatabaseMetaData metaData = connection.getMetaData();
			try (ResultSet rs = metaData.getTables(null, null, "BJ_%", null)) {
				while (rs.next()) {
					tables.add(rs.getString("TABLE_NAME"));
				}
			}
		}
		return tables;
	}

}
