package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.SchemaMigrator;

import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.boot.sql.init.DatabaseInitializationSettings;
import org.springframework.util.Assert;

/**
 * Database initializer that migrates the background-jobs schema with a
 * {@link SchemaMigrator}: the versioned scripts of the detected database
 * ({@code classpath:db/background-jobs/<platform>/V<n>__<description>.sql}) that it has
 * not applied yet. May be registered as a bean to override the auto-configured one.
 * <p>
 * It is a {@link DataSourceScriptDatabaseInitializer} so that Spring Boot orders it as
 * one: beans that depend on database initialisation, such as a JPA entity manager factory
 * and the background-jobs stores, are created after it.
 */
public class BackgroundJobsDataSourceScriptDatabaseInitializer extends DataSourceScriptDatabaseInitializer {

	private final DatabaseInitializationMode mode;

	/**
	 * Creates an initializer.
	 * @param dataSource the data source of the background-jobs store
	 * @param properties the background-jobs JDBC properties
	 */
	public BackgroundJobsDataSourceScriptDatabaseInitializer(DataSource dataSource,
			BackgroundJobsJdbcProperties properties) {
		super(dataSource, settings(properties));
		this.mode = properties.getInitializeSchema();
	}

	private static DatabaseInitializationSettings settings(BackgroundJobsJdbcProperties properties) {
		Assert.notNull(properties, "'properties' must not be null");
		DatabaseInitializationSettings settings = new DatabaseInitializationSettings();
		settings.setMode(properties.getInitializeSchema());
		return settings;
	}

	/**
	 * Migrates the schema unless the mode says not to.
	 * @return whether a script was applied
	 */
	@Override
	public boolean initializeDatabase() {
		boolean enabled = switch (this.mode) {
			case ALWAYS -> true;
			case EMBEDDED -> isEmbeddedDatabase();
			case NEVER -> false;
		};
		if (!enabled) {
			return false;
		}
		DataSource dataSource = getDataSource();
		return !new SchemaMigrator(dataSource, DatabaseDialect.from(dataSource)).migrate().isEmpty();
	}

}
