package dev.backgroundjobs.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.sql.init.DatabaseInitializationMode;

/**
 * Configuration properties for the background-jobs JDBC store's schema.
 * <p>
 * Unlike Spring Boot's own initialisers, which default to
 * {@link DatabaseInitializationMode#EMBEDDED}, the schema is migrated on every database
 * by default: the migrator applies only the versioned scripts a database has not applied
 * yet, under a database lock, so running it on every start-up is safe. Set
 * {@code background-jobs.jdbc.initialize-schema=never} when Flyway or Liquibase applies
 * the same scripts.
 */
@ConfigurationProperties("background-jobs.jdbc")
public class BackgroundJobsJdbcProperties {

	/**
	 * Default database schema initialization mode.
	 */
	public static final DatabaseInitializationMode DEFAULT_INITIALIZE_SCHEMA = DatabaseInitializationMode.ALWAYS;

	/**
	 * When to migrate the schema at start-up: always, embedded (only for an embedded
	 * database) or never. Migrating applies the versioned scripts the database has not
	 * applied yet (none on most starts), recorded in bj_schema_version.
	 */
	private DatabaseInitializationMode initializeSchema = DEFAULT_INITIALIZE_SCHEMA;

	public DatabaseInitializationMode getInitializeSchema() {
		return this.initializeSchema;
	}

	public void setInitializeSchema(DatabaseInitializationMode initializeSchema) {
		this.initializeSchema = initializeSchema;
	}

}
