package dev.backgroundjobs.autoconfigure;

import javax.sql.DataSource;

import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.boot.jdbc.init.PropertiesBasedDataSourceScriptDatabaseInitializer;

/**
 * {@link DataSourceScriptDatabaseInitializer} that applies the background-jobs schema
 * file of the detected database ({@code schema-@@platform@@.sql}). May be registered as a
 * bean to override the auto-configured one.
 */
public class BackgroundJobsDataSourceScriptDatabaseInitializer
		extends PropertiesBasedDataSourceScriptDatabaseInitializer<BackgroundJobsJdbcProperties> {

	/**
	 * Creates an initializer.
	 * @param dataSource the data source of the background-jobs store
	 * @param properties the background-jobs JDBC properties
	 */
	public BackgroundJobsDataSourceScriptDatabaseInitializer(DataSource dataSource,
			BackgroundJobsJdbcProperties properties) {
		super(dataSource, properties);
	}

}
