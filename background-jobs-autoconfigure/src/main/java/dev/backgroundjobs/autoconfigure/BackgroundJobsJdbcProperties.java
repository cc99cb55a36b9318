package dev.backgroundjobs.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.init.DatabaseInitializationProperties;
import org.springframework.boot.sql.init.DatabaseInitializationMode;

/**
 * Configuration properties for the background-jobs JDBC store's schema.
 * <p>
 * Unlike Spring Boot's own initialisers, which default to
 * {@link DatabaseInitializationMode#EMBEDDED}, the schema is applied to every database by
 * default: each statement of the schema files is idempotent, so applying them on every
 * start-up is safe. Set {@code background-jobs.jdbc.initialize-schema=never} when Flyway
 * or Liquibase owns the schema.
 */
@ConfigurationProperties("background-jobs.jdbc")
public class BackgroundJobsJdbcProperties extends DatabaseInitializationProperties {

	/**
	 * Location of the schema files; {@code @@platform@@} is replaced by the Spring Boot
	 * {@code DatabaseDriver} id of the database ({@code h2}, {@code postgresql},
	 * {@code mariadb} or {@code mysql}).
	 */
	public static final String DEFAULT_SCHEMA_LOCATION = "classpath:dev/backgroundjobs/jdbc/schema-@@platform@@.sql";

	/**
	 * Default database schema initialization mode.
	 */
	public static final DatabaseInitializationMode DEFAULT_INITIALIZE_SCHEMA = DatabaseInitializationMode.ALWAYS;

	/**
	 * Database schema initialization mode. Applies the schema to any database, not only
	 * an embedded one, because every statement of the schema files is idempotent.
	 */
	private DatabaseInitializationMode initializeSchema = DEFAULT_INITIALIZE_SCHEMA;

	/**
	 * Creates properties with the defaults.
	 */
	public BackgroundJobsJdbcProperties() {
		super.setInitializeSchema(DEFAULT_INITIALIZE_SCHEMA);
	}

	@Override
	public DatabaseInitializationMode getInitializeSchema() {
		return this.initializeSchema;
	}

	@Override
	public void setInitializeSchema(DatabaseInitializationMode initializeSchema) {
		super.setInitializeSchema(initializeSchema);
		this.initializeSchema = initializeSchema;
	}

	@Override
	public String getDefaultSchemaLocation() {
		return DEFAULT_SCHEMA_LOCATION;
	}

}
