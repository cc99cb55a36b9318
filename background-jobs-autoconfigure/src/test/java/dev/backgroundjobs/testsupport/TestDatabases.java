package dev.backgroundjobs.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Assumptions;

import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.util.Assert;

/**
 * Data sources for tests against real databases: H2 in memory, and PostgreSQL and MariaDB
 * on {@code 127.0.0.1} with their default ports and users.
 * <p>
 * Test suites share those servers and may run at the same time, so each suite asks for
 * its own schema (PostgreSQL) or database (MariaDB), dropped and created anew on first
 * use in a JVM. When a server cannot be reached, the calling test is skipped, or fails
 * when the system property {@code background-jobs.require-databases} is {@code true} (as
 * on CI). Data sources are pooled and cached for the life of the JVM.
 * <p>
 * With the system property {@code background-jobs.test.containers=true}, PostgreSQL and
 * MariaDB run in Testcontainers containers instead, started once per JVM (see
 * {@link TestContainers}); without Docker the calling test is then skipped with a message
 * saying so.
 */
public final class TestDatabases {

	/**
	 * System property that turns an unreachable database into a test failure.
	 */
	public static final String REQUIRE_DATABASES_PROPERTY = "background-jobs.require-databases";

	private static final String POSTGRES_URL = System.getProperty("background-jobs.test.postgresql-url",
			"jdbc:postgresql://127.0.0.1:5432/test");

	private static final String MARIADB_URL = System.getProperty("background-jobs.test.mariadb-url",
			"jdbc:mariadb://127.0.0.1:3306/");

	/**
	 * Appended to every schema and database name, so that test runs of several working
	 * copies can share one PostgreSQL and one MariaDB server at the same time.
	 */
	private static final String NAME_SUFFIX = System.getProperty("background-jobs.test.database-suffix", "");

	private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

	private static final Map<String, Supplier<DataSource>> dataSources = new ConcurrentHashMap<>();

	private TestDatabases() {
	}

	/**
	 * Returns a data source on a new, uniquely named H2 in-memory database.
	 * @return the data source
	 */
	public static DataSource h2() {
		return h2("test_" + UUID.randomUUID().toString().replace("-", ""));
	}

	/**
	 * Returns a data source on the H2 in-memory database of the given name, which lives
	 * as long as the JVM.
	 * @param name the database name
	 * @return the data source
	 */
	public static DataSource h2(String name) {
		String url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
		return get(url, () -> pool(url, "sa", ""));
	}

	/**
	 * Returns a data source on database {@code test} of the local PostgreSQL server,
	 * using the given schema (created if missing) as its current schema.
	 * @param name the schema, lower case
	 * @return the data source
	 */
	public static DataSource postgres(String name) {
		String schema = name + NAME_SUFFIX;
		checkName(schema);
		Server server = TestContainers.enabled() ? TestContainers.postgres()
				: new Server("PostgreSQL", POSTGRES_URL, "postgres", "");
		return get(server.url() + "?currentSchema=" + schema, () -> {
			// Dropped once per JVM, so each run starts from the current schema files.
			execute(server, server.url() + "?connectTimeout=3", "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
			execute(server, server.url() + "?connectTimeout=3", "CREATE SCHEMA " + schema);
			return pool(server.url() + "?currentSchema=" + schema, server.username(), server.password());
		});
	}

	/**
	 * Returns a data source on the given database (created if missing) of the local
	 * MariaDB server.
	 * @param name the database, lower case
	 * @return the data source
	 */
	public static DataSource mariadb(String name) {
		String database = name + NAME_SUFFIX;
		checkName(database);
		Server server = TestContainers.enabled() ? TestContainers.mariadb()
				: new Server("MariaDB", MARIADB_URL, "root", "");
		return get(server.url() + database, () -> {
			execute(server, server.url() + "?connectTimeout=3000", "DROP DATABASE IF EXISTS " + database);
			execute(server, server.url() + "?connectTimeout=3000",
					"CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
			return pool(server.url() + database, server.username(), server.password());
		});
	}

	/**
	 * Returns a data source that runs a statement on every connection it hands out before
	 * the connection is used: a session setting, such as a time zone or a default
	 * isolation level, to test the stores under.
	 * @param dataSource the data source to wrap
	 * @param sessionStatement the statement
	 * @return the data source
	 */
	public static DataSource withSession(DataSource dataSource, String sessionStatement) {
		return new DelegatingDataSource(dataSource) {

			@Override
			public Connection getConnection() throws SQLException {
				Connection connection = super.getConnection();
				try (Statement statement = connection.createStatement()) {
					statement.execute(sessionStatement);
				}
				return connection;
			}

		};
	}

	/**
	 * Returns how to connect to a data source obtained here, for application contexts
	 * that build their own pool from {@code spring.datasource.*}.
	 * @param dataSource a data source from this class
	 * @return its connection settings
	 */
	public static ConnectionSettings settings(DataSource dataSource) {
		HikariDataSource pool = (HikariDataSource) dataSource;
		return new ConnectionSettings(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword(), dataSource);
	}

	/**
	 * Connection settings of a test database.
	 *
	 * @param url the JDBC URL
	 * @param username the user
	 * @param password the password
	 * @param dataSource a pooled data source on it
	 */
	public record ConnectionSettings(String url, String username, String password, DataSource dataSource) {

	}

	/**
	 * Whether tests must fail, rather than be skipped, when a database is unreachable.
	 * @return whether databases are required
	 */
	public static boolean databasesRequired() {
		return Boolean.getBoolean(REQUIRE_DATABASES_PROPERTY);
	}

	private static DataSource get(String key, Supplier<DataSource> factory) {
		return dataSources.computeIfAbsent(key, (url) -> memoize(factory)).get();
	}

	private static Supplier<DataSource> memoize(Supplier<DataSource> factory) {
		try {
			DataSource dataSource = factory.get();
			return () -> dataSource;
		}
		catch (UnreachableDatabaseException ex) {
			// Remember the failure, so that every test of the suite skips without waiting
			// for another connection timeout.
			return () -> {
				if (databasesRequired()) {
					throw new IllegalStateException(ex.getMessage() + " and " + REQUIRE_DATABASES_PROPERTY + " is true",
							ex.getCause());
				}
				Assumptions.abort(
						ex.getMessage() + "; skipping (set " + REQUIRE_DATABASES_PROPERTY + "=true to fail instead)");
				throw ex;
			};
		}
	}

	private static void execute(Server server, String url, String sql) {
		try (Connection connection = DriverManager.getConnection(url, server.username(), server.password());
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new UnreachableDatabaseException(
					server.database() + " is not reachable at " + url + ": " + ex.getMessage(), ex);
		}
	}

	private static DataSource pool(String url, String user, String password) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(user);
		config.setPassword(password);
		config.setMaximumPoolSize(8);
		config.setMinimumIdle(0);
		config.setConnectionTimeout(5000);
		config.setPoolName("test-" + Math.abs(url.hashCode()));
		return new HikariDataSource(config);
	}

	private static void checkName(String name) {
		Assert.isTrue(NAME.matcher(name).matches(), () -> "'" + name + "' is not a lower-case SQL identifier");
	}

	/**
	 * A database server.
	 *
	 * @param database the product, for messages
	 * @param url the JDBC URL of the server, to which a schema parameter or a database
	 * name is appended
	 * @param username the user
	 * @param password the password
	 */
	record Server(String database, String url, String username, String password) {

	}

	private static final class UnreachableDatabaseException extends RuntimeException {

		UnreachableDatabaseException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
