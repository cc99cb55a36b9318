package dev.backgroundjobs.jdbc;

import java.time.Instant;

import javax.sql.DataSource;

import dev.backgroundjobs.store.DatabaseTime;

import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * {@link DatabaseTime} read with the same expression as the stores' {@code ${now}}, so
 * that it agrees with the lease, wake and wait times they write.
 */
public class JdbcDatabaseTime implements DatabaseTime {

	private static final String NOW = "SELECT ${now} AS now_time";

	private final JdbcStoreSupport support;

	private final String query;

	/**
	 * Creates a reader of the database's clock.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcDatabaseTime(DataSource dataSource, DatabaseDialect dialect) {
		this.support = new JdbcStoreSupport(dataSource, dialect, new JdbcTransactionManager(dataSource));
		this.query = dialect.render(NOW);
	}

	@Override
	public Instant now() {
		return this.support.jdbc()
			.sql(this.query)
			.query((rs, row) -> this.support.getRequiredInstant(rs, "now_time"))
			.single();
	}

}
