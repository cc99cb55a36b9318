package dev.backgroundjobs.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.core.io.support.EncodedResource;
import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.init.ScriptUtils;
import org.springframework.util.Assert;

/**
 * Brings the background-jobs tables to the newest schema version: applies the versioned
 * scripts of the database,
 * {@code classpath:db/background-jobs/<platform>/V<n>__<description>.sql}, that it has
 * not applied yet, in version order, and records each in {@code bj_schema_version}. The
 * scripts are named as Flyway names its migrations, so Flyway (or Liquibase) can apply
 * the same files instead.
 * <p>
 * One migrator at a time: two instances starting at once on an empty database must not
 * both create the tables. On PostgreSQL all pending scripts run in one transaction that
 * first takes a transaction-scoped advisory lock ({@code pg_advisory_xact_lock}), so a
 * failed script leaves nothing behind. MariaDB and MySQL commit each DDL statement
 * implicitly, so the migrator holds a named lock ({@code GET_LOCK}) on its connection
 * instead; a script that fails half-way there must be finished by hand. H2 also commits
 * DDL, and has no named locks: a second connection locks row 0 of
 * {@code bj_schema_version} ({@code SELECT … FOR UPDATE}) while the first migrates. An
 * instance that waited for the lock then finds the scripts applied and applies nothing.
 * <p>
 * A database whose background-jobs tables were created by the unversioned schema of
 * earlier releases (applied on every start) has tables but no {@code bj_schema_version}.
 * Version 1 is that schema, and every one of its statements is idempotent: it is run
 * again, which adds any column the tables of a still earlier release lack, and recorded
 * as {@code BASELINE}. Later versions are then applied as usual.
 * <p>
 * A script whose content changed after it was applied is not run again; a warning names
 * it. So does a database at a newer version than this release's scripts.
 */
public class SchemaMigrator {

	/**
	 * Location of the scripts, with {@code %s} for the database platform
	 * ({@link DatabaseDialect#getPlatform()}).
	 */
	public static final String DEFAULT_LOCATION = "classpath:db/background-jobs/%s";

	/**
	 * The table that records applied versions.
	 */
	public static final String VERSION_TABLE = "bj_schema_version";

	private static final LogAccessor logger = new LogAccessor(SchemaMigrator.class);

	// "bj_schem" in ASCII: the key of PostgreSQL's advisory lock.
	private static final long POSTGRESQL_LOCK_KEY = 7091585512441931117L;

	private static final String MYSQL_LOCK_NAME = "LEFT(CONCAT('background-jobs schema of ', COALESCE(DATABASE(), '')), 64)";

	private static final int MYSQL_LOCK_TIMEOUT_SECONDS = 600;

	private static final String SELECT_APPLIED = "SELECT version, checksum FROM " + VERSION_TABLE
			+ " WHERE version > 0 ORDER BY version";

	private static final String COUNT_ROW_ZERO = "SELECT COUNT(*) FROM " + VERSION_TABLE + " WHERE version = 0";

	private static final String INSERT_VERSION = "INSERT INTO " + VERSION_TABLE
			+ " (version, description, script, checksum, kind, installed_at) VALUES (?, ?, ?, ?, ?, ${now})";

	private static final String LOCK_ROW_ZERO = "SELECT version FROM " + VERSION_TABLE
			+ " WHERE version = 0 FOR UPDATE";

	private static final List<String> EARLIER_TABLES = List.of("bj_runs", "bj_steps", "bj_dead_letters",
			"bj_invocations", "bj_event_waits");

	private final DataSource dataSource;

	private final DatabaseDialect dialect;

	private final String location;

	/**
	 * Creates a migrator that applies the scripts of the dialect's platform.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public SchemaMigrator(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, DEFAULT_LOCATION.formatted(dialect.getPlatform()));
	}

	/**
	 * Creates a migrator that applies the scripts of a location.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param location the folder of the {@code V<n>__<description>.sql} scripts, such as
	 * {@code classpath:db/background-jobs/postgresql}
	 */
	public SchemaMigrator(DataSource dataSource, DatabaseDialect dialect, String location) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(dialect, "'dialect' must not be null");
		Assert.hasText(location, "'location' must not be empty");
		this.dataSource = dataSource;
		this.dialect = dialect;
		this.location = location;
	}

	/**
	 * Applies the scripts the database has not applied yet.
	 * @return the versions applied by this call, in order; empty when the database was up
	 * to date
	 * @throws org.springframework.dao.DataAccessException if the database cannot be
	 * reached or a script fails
	 */
	public List<Integer> migrate() {
		List<SchemaScript> scripts = SchemaScript.load(this.location);
		try (Connection connection = this.dataSource.getConnection()) {
			return switch (this.dialect.migrationLock()) {
				case TRANSACTION_ADVISORY_LOCK -> migrateInOneTransaction(connection, scripts);
				case NAMED_SESSION_LOCK -> migrateHoldingNamedLock(connection, scripts);
				case LOCKED_ROW -> migrateHoldingRowZero(connection, scripts);
			};
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException(
					"Could not migrate the background-jobs schema: " + ex.getMessage(), ex);
		}
	}

	private List<Integer> migrateInOneTransaction(Connection connection, List<SchemaScript> scripts)
			throws SQLException {
		boolean autoCommit = connection.getAutoCommit();
		connection.setAutoCommit(false);
		try {
			execute(connection, "SELECT pg_advisory_xact_lock(" + POSTGRESQL_LOCK_KEY + ")");
			createVersionTable(connection);
			List<Integer> applied = applyPending(connection, scripts);
			connection.commit();
			return applied;
		}
		catch (SQLException | RuntimeException ex) {
			connection.rollback();
			throw ex;
		}
		finally {
			connection.setAutoCommit(autoCommit);
		}
	}

	private List<Integer> migrateHoldingNamedLock(Connection connection, List<SchemaScript> scripts)
			throws SQLException {
		Long locked = queryLong(connection,
				"SELECT GET_LOCK(" + MYSQL_LOCK_NAME + ", " + MYSQL_LOCK_TIMEOUT_SECONDS + ")");
		if (locked == null || locked != 1) {
			throw new DataAccessResourceFailureException("Another instance has been migrating the background-jobs "
					+ "schema for " + MYSQL_LOCK_TIMEOUT_SECONDS + " s; giving up");
		}
		try {
			createVersionTable(connection);
			return applyPending(connection, scripts);
		}
		finally {
			queryLong(connection, "SELECT RELEASE_LOCK(" + MYSQL_LOCK_NAME + ")");
		}
	}

	private List<Integer> migrateHoldingRowZero(Connection connection, List<SchemaScript> scripts) throws SQLException {
		createVersionTable(connection);
		try (Connection lock = this.dataSource.getConnection()) {
			boolean autoCommit = lock.getAutoCommit();
			lock.setAutoCommit(false);
			try {
				execute(lock, LOCK_ROW_ZERO);
				return applyPending(connection, scripts);
			}
			finally {
				lock.rollback();
				lock.setAutoCommit(autoCommit);
			}
		}
	}

	private void createVersionTable(Connection connection) throws SQLException {
		execute(connection, versionTableDefinition());
		Long rowZero = queryLong(connection, COUNT_ROW_ZERO);
		if (rowZero == null || rowZero == 0) {
			try {
				insertVersion(connection, 0, "schema history", VERSION_TABLE, 0, "HISTORY");
			}
			catch (SQLException ex) {
				// Where row 0 is the lock, a concurrent migrator may insert it first.
				if (this.dialect.migrationLock() != DatabaseDialect.MigrationLock.LOCKED_ROW
						|| !"23505".equals(ex.getSQLState())) {
					throw ex;
				}
			}
		}
	}

	private String versionTableDefinition() {
		return """
				CREATE TABLE IF NOT EXISTS %s (
					version INTEGER NOT NULL,
					description VARCHAR(200) NOT NULL,
					script VARCHAR(1000) NOT NULL,
					checksum BIGINT NOT NULL,
					kind VARCHAR(16) NOT NULL,
					installed_at %s NOT NULL,
					CONSTRAINT bj_schema_version_pk PRIMARY KEY (version)
				)%s""".formatted(VERSION_TABLE, this.dialect.timestampType(), this.dialect.tableOptions());
	}

	private List<Integer> applyPending(Connection connection, List<SchemaScript> scripts) throws SQLException {
		Map<Integer, Long> applied = applied(connection);
		boolean unversioned = applied.isEmpty() && hasEarlierTables(connection);
		if (unversioned) {
			logger.info("Found background-jobs tables without a schema version: recording them as version 1");
		}
		List<Integer> versions = new ArrayList<>();
		for (SchemaScript script : scripts) {
			Long checksum = applied.get(script.version());
			if (checksum != null) {
				if (checksum != script.checksum()) {
					logger.warn(() -> "Background-jobs schema script " + script.name()
							+ " changed after it was applied; it is not applied again");
				}
				continue;
			}
			boolean baseline = unversioned && script.version() == 1;
			logger.info(() -> (baseline ? "Taking over the background-jobs tables with " : "Applying ")
					+ "background-jobs schema script " + script.name());
			ScriptUtils.executeSqlScript(connection, new EncodedResource(script.resource(), StandardCharsets.UTF_8));
			insertVersion(connection, script.version(), script.description(), script.name(), script.checksum(),
					baseline ? "BASELINE" : "SQL");
			versions.add(script.version());
		}
		int newest = scripts.get(scripts.size() - 1).version();
		applied.keySet()
			.stream()
			.filter((version) -> version > newest)
			.max(Integer::compare)
			.ifPresent((version) -> logger.warn(() -> "The background-jobs schema is at version " + version
					+ ", newer than this release's newest script (" + newest + ")"));
		return versions;
	}

	private Map<Integer, Long> applied(Connection connection) throws SQLException {
		Map<Integer, Long> applied = new LinkedHashMap<>();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(SELECT_APPLIED)) {
			while (rs.next()) {
				applied.put(rs.getInt("version"), rs.getLong("checksum"));
			}
		}
		return applied;
	}

	private boolean hasEarlierTables(Connection connection) throws SQLException {
		DatabaseMetaData metaData = connection.getMetaData();
		for (String table : EARLIER_TABLES) {
			for (String name : List.of(table, table.toUpperCase(Locale.ROOT))) {
				try (ResultSet rs = metaData.getTables(connection.getCatalog(), connection.getSchema(), name,
						new String[] { "TABLE", "BASE TABLE" })) {
					if (rs.next()) {
						return true;
					}
				}
			}
		}
		return false;
	}

	private void insertVersion(Connection connection, int version, String description, String script, long checksum,
			String kind) throws SQLException {
		try (PreparedStatement insert = connection.prepareStatement(this.dialect.render(INSERT_VERSION))) {
			insert.setInt(1, version);
			insert.setString(2, description);
			insert.setString(3, script);
			insert.setLong(4, checksum);
			insert.setString(5, kind);
			insert.executeUpdate();
		}
	}

	private static void execute(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static @Nullable Long queryLong(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			if (!rs.next()) {
				return null;
			}
			long value = rs.getLong(1);
			return rs.wasNull() ? null : value;
		}
	}

}
