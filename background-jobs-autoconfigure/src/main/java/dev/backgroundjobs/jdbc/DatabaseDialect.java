package dev.backgroundjobs.jdbc;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.util.Assert;

/**
 * The databases the JDBC store supports, and every difference between them: how to read
 * the database clock, interval arithmetic, insert-ignore, upsert and how instants are
 * bound and read.
 * <p>
 * Store SQL is written once with two tokens that a dialect {@link #render renders}:
 * {@code ${now}} for the database's current time, and {@code ${now + name}} for the
 * current time plus the number of milliseconds bound to the named parameter
 * {@code :name}. Every dialect supports {@code LIMIT} and {@code FOR UPDATE SKIP LOCKED}
 * (H2 2.2+, PostgreSQL 9.6+, MariaDB 10.6+, MySQL 8.0+).
 */
public enum DatabaseDialect {

	/**
	 * H2 2.x: {@code TIMESTAMP WITH TIME ZONE} columns. H2 has no insert-ignore outside
	 * its compatibility modes, so runs are inserted one by one and a duplicate key skips
	 * the row (H2 keeps the transaction usable after a failed statement, and the database
	 * is in-process, so one statement per row costs no round trips).
	 */
	H2("h2", "CURRENT_TIMESTAMP", "DATEADD(MILLISECOND, :%s, CURRENT_TIMESTAMP)"),

	/**
	 * PostgreSQL: {@code timestamptz} columns, {@code ON CONFLICT}.
	 * {@code CURRENT_TIMESTAMP} is the start time of the transaction, so all writes of
	 * one transaction agree.
	 */
	POSTGRESQL("postgresql", "CURRENT_TIMESTAMP", "(CURRENT_TIMESTAMP + :%s * INTERVAL '1 millisecond')"),

	/**
	 * MariaDB 10.6+: {@code DATETIME(6)} columns holding UTC, written and compared with
	 * {@code UTC_TIMESTAMP(6)} and bound as UTC {@link LocalDateTime}s, so neither the
	 * session nor the JVM time zone changes a stored instant.
	 */
	MARIADB("mariadb", "UTC_TIMESTAMP(6)", "TIMESTAMPADD(MICROSECOND, :%s * 1000, UTC_TIMESTAMP(6))"),

	/**
	 * MySQL 8.0+: the same SQL as {@link #MARIADB}.
	 */
	MYSQL("mysql", "UTC_TIMESTAMP(6)", "TIMESTAMPADD(MICROSECOND, :%s * 1000, UTC_TIMESTAMP(6))");

	private static final Pattern NOW_TOKEN = Pattern.compile("\\$\\{now(?: \\+ (\\w+))?\\}");

	private final String platform;

	private final String now;

	private final String nowPlusMillis;

	DatabaseDialect(String platform, String now, String nowPlusMillis) {
		this.platform = platform;
		this.now = now;
		this.nowPlusMillis = nowPlusMillis;
	}

	/**
	 * Returns the platform name used in schema file names, as Spring Boot's
	 * {@code DatabaseDriver} id.
	 * @return the platform, for example {@code postgresql}
	 */
	public String getPlatform() {
		return this.platform;
	}

	/**
	 * Renders the {@code ${now}} and {@code ${now + name}} tokens of a statement.
	 * @param sql the statement
	 * @return the statement for this database
	 */
	public String render(String sql) {
		Matcher matcher = NOW_TOKEN.matcher(sql);
		StringBuilder rendered = new StringBuilder();
		while (matcher.find()) {
			String parameter = matcher.group(1);
			String replacement = (parameter != null) ? this.nowPlusMillis.formatted(parameter) : this.now;
			matcher.appendReplacement(rendered, Matcher.quoteReplacement(replacement));
		}
		matcher.appendTail(rendered);
		return rendered.toString();
	}

	/**
	 * Returns an expression for a time plus a number of microseconds.
	 * @param timestamp an SQL expression of a timestamp, such as a column
	 * @param microsParameter the name of the parameter bound to the microseconds
	 * @return the expression
	 */
	public String plusMicros(String timestamp, String microsParameter) {
		return switch (this) {
			case H2 -> "DATEADD(MICROSECOND, :" + microsParameter + ", " + timestamp + ")";
			case POSTGRESQL -> "(" + timestamp + " + :" + microsParameter + " * INTERVAL '1 microsecond')";
			case MARIADB, MYSQL -> "TIMESTAMPADD(MICROSECOND, :" + microsParameter + ", " + timestamp + ")";
		};
	}

	/**
	 * Whether a multi-row insert that skips duplicates can return the keys of the rows it
	 * inserted ({@code INSERT … ON CONFLICT DO NOTHING RETURNING}), so that one statement
	 * both inserts and tells which rows were new. Elsewhere each row is inserted on its
	 * own and its update count tells.
	 * @return whether insert-ignore with {@code RETURNING} is supported
	 */
	public boolean supportsInsertReturning() {
		return this == POSTGRESQL;
	}

	/**
	 * Turns an {@code INSERT INTO} statement into one that skips rows that violate a
	 * primary or unique key: {@code ON CONFLICT DO NOTHING} on PostgreSQL,
	 * {@code INSERT IGNORE} on MariaDB and MySQL (callers validate lengths first, as
	 * {@code IGNORE} also turns data errors into warnings). Unchanged on H2, where each
	 * row is inserted on its own and a duplicate key exception skips it.
	 * @param insert an {@code INSERT INTO} statement
	 * @return the statement
	 */
	public String insertIgnoringDuplicates(String insert) {
		String sql = insert.strip();
		Assert.isTrue(sql.startsWith("INSERT INTO "), "'insert' must start with INSERT INTO");
		return switch (this) {
			case H2 -> sql;
			case POSTGRESQL -> sql + " ON CONFLICT DO NOTHING";
			case MARIADB, MYSQL -> "INSERT IGNORE INTO " + sql.substring("INSERT INTO ".length());
		};
	}

	/**
	 * Returns a statement that inserts a row or, when a row with the same key exists,
	 * replaces its other columns. Every column is bound from the named parameter of the
	 * same name.
	 * @param table the table
	 * @param keyColumns the primary key columns
	 * @param otherColumns the other columns
	 * @return the statement
	 */
	public String upsert(String table, List<String> keyColumns, List<String> otherColumns) {
		List<String> columns = new ArrayList<>(keyColumns);
		columns.addAll(otherColumns);
		String columnList = String.join(", ", columns);
		String values = columns.stream().map((column) -> ":" + column).collect(Collectors.joining(", "));
		return switch (this) {
			case H2 -> "MERGE INTO %s (%s) KEY (%s) VALUES (%s)".formatted(table, columnList,
					String.join(", ", keyColumns), values);
			case POSTGRESQL -> "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s".formatted(table,
					columnList, values, String.join(", ", keyColumns),
					otherColumns.stream()
						.map((column) -> column + " = EXCLUDED." + column)
						.collect(Collectors.joining(", ")));
			case MARIADB, MYSQL ->
				"INSERT INTO %s (%s) VALUES (%s) ON DUPLICATE KEY UPDATE %s".formatted(table, columnList, values,
						otherColumns.stream()
							.map((column) -> column + " = VALUES(" + column + ")")
							.collect(Collectors.joining(", ")));
		};
	}

	/**
	 * Returns the column type of the instants this dialect writes.
	 * @return {@code TIMESTAMPTZ}, {@code TIMESTAMP(6) WITH TIME ZONE} or
	 * {@code DATETIME(6)} (holding UTC)
	 */
	public String timestampType() {
		return switch (this) {
			case H2 -> "TIMESTAMP(6) WITH TIME ZONE";
			case POSTGRESQL -> "TIMESTAMPTZ";
			case MARIADB, MYSQL -> "DATETIME(6)";
		};
	}

	/**
	 * Returns what follows the column list of a {@code CREATE TABLE}: the engine and
	 * collation the schema's tables declare on MariaDB and MySQL.
	 * @return the table options, empty when the database needs none
	 */
	public String tableOptions() {
		return switch (this) {
			case H2, POSTGRESQL -> "";
			case MARIADB, MYSQL -> " ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin";
		};
	}

	/**
	 * Returns how schema migrations keep to one migrator at a time on this database.
	 * @return the lock
	 */
	public MigrationLock migrationLock() {
		return switch (this) {
			case H2 -> MigrationLock.LOCKED_ROW;
			case POSTGRESQL -> MigrationLock.TRANSACTION_ADVISORY_LOCK;
			case MARIADB, MYSQL -> MigrationLock.NAMED_SESSION_LOCK;
		};
	}

	/**
	 * Converts an instant to the value bound for a timestamp column.
	 * @param instant the instant
	 * @return a UTC {@link OffsetDateTime} for a timestamp with time zone, or a UTC
	 * {@link LocalDateTime} for MariaDB's and MySQL's {@code DATETIME}
	 */
	public Object bind(Instant instant) {
		return switch (this) {
			case H2, POSTGRESQL -> instant.atOffset(ZoneOffset.UTC);
			case MARIADB, MYSQL -> LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
		};
	}

	/**
	 * Reads an instant from a timestamp column.
	 * @param resultSet the result set
	 * @param column the column
	 * @return the instant, or {@code null} if the column is null
	 * @throws SQLException if the column cannot be read
	 */
	public @Nullable Instant getInstant(ResultSet resultSet, String column) throws SQLException {
		return switch (this) {
			case H2, POSTGRESQL -> {
				OffsetDateTime value = resultSet.getObject(column, OffsetDateTime.class);
				yield (value != null) ? value.toInstant() : null;
			}
			case MARIADB, MYSQL -> {
				LocalDateTime value = resultSet.getObject(column, LocalDateTime.class);
				yield (value != null) ? value.toInstant(ZoneOffset.UTC) : null;
			}
		};
	}

	/**
	 * Detects the dialect of a data source from its JDBC metadata.
	 * @param dataSource the data source
	 * @return the dialect
	 * @throws IllegalStateException if the database is not supported or cannot be reached
	 */
	public static DatabaseDialect from(DataSource dataSource) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		try {
			String productName = JdbcUtils.extractDatabaseMetaData(dataSource,
					DatabaseMetaData::getDatabaseProductName);
			return fromProductName(productName);
		}
		catch (MetaDataAccessException ex) {
			throw new IllegalStateException("Could not detect the database of the background-jobs store", ex);
		}
	}

	/**
	 * Returns the dialect for a JDBC database product name.
	 * @param productName the product name, as reported by
	 * {@link DatabaseMetaData#getDatabaseProductName()}
	 * @return the dialect
	 * @throws IllegalStateException if the database is not supported
	 */
	public static DatabaseDialect fromProductName(@Nullable String productName) {
		String name = (productName != null) ? productName.toLowerCase(Locale.ROOT) : "";
		if (name.startsWith("h2")) {
			return H2;
		}
		if (name.startsWith("postgresql")) {
			return POSTGRESQL;
		}
		if (name.startsWith("mariadb")) {
			return MARIADB;
		}
		if (name.startsWith("mysql")) {
			return MYSQL;
		}
		throw new IllegalStateException("The background-jobs JDBC store does not support database '" + productName
				+ "'; supported are H2, PostgreSQL, MariaDB and MySQL");
	}

	/**
	 * How schema migrations keep to one migrator at a time.
	 */
	public enum MigrationLock {

		/**
		 * DDL is transactional: every script runs in one transaction that first takes a
		 * transaction-scoped advisory lock ({@code pg_advisory_xact_lock}).
		 */
		TRANSACTION_ADVISORY_LOCK,

		/**
		 * DDL commits implicitly: the migrating connection holds a named lock
		 * ({@code GET_LOCK}) until it is done.
		 */
		NAMED_SESSION_LOCK,

		/**
		 * DDL commits implicitly and there are no named locks: a second connection holds
		 * a row of the version table ({@code SELECT … FOR UPDATE}) while the first
		 * migrates.
		 */
		LOCKED_ROW

	}

}
