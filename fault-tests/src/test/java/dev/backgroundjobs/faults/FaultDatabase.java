package dev.backgroundjobs.faults;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import com.zaxxer.hikari.HikariConfig;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The database of the suite: database {@code faults} on the local PostgreSQL or MariaDB,
 * created if missing and emptied before a cluster starts. With
 * {@code -Dbackground-jobs.test.database-suffix=_x} it is {@code faults_x}, so runs on
 * one machine do not empty each other's tables.
 */
enum FaultDatabase {

	/**
	 * PostgreSQL on 127.0.0.1:5432, user {@code postgres}.
	 */
	POSTGRESQL(5432, "jdbc:postgresql://127.0.0.1:%d/%s", "postgres", "now()") {

		@Override
		void recreate() {
			try (HikariDataSource admin = pool(url(5432, "test"), 1)) {
				JdbcClient jdbc = JdbcClient.create(admin);
				if (jdbc.sql("SELECT count(*) FROM pg_database WHERE datname = ?")
					.param(NAME)
					.query(Long.class)
					.single() == 0) {
					jdbc.sql("CREATE DATABASE " + NAME).update();
				}
			}
			try (HikariDataSource faults = pool(url(5432, NAME), 1)) {
				JdbcClient.create(faults).sql("DROP SCHEMA IF EXISTS public CASCADE").update();
				JdbcClient.create(faults).sql("CREATE SCHEMA public").update();
			}
		}

	},

	/**
	 * MariaDB on 127.0.0.1:3306, user {@code root}.
	 */
	MARIADB(3306, "jdbc:mariadb://127.0.0.1:%d/%s", "root", "UTC_TIMESTAMP(6)") {

		@Override
		void recreate() {
			try (HikariDataSource admin = pool(url(3306, "mysql"), 1)) {
				JdbcClient.create(admin).sql("DROP DATABASE IF EXISTS " + NAME).update();
				JdbcClient.create(admin).sql("CREATE DATABASE " + NAME).update();
			}
		}

	};

	/**
	 * The database's name: {@code faults} and the suffix, if any.
	 */
	static final String NAME = "faults" + System.getProperty("background-jobs.test.database-suffix", "");

	private final int port;

	private final String urlFormat;

	private final String username;

	private final String now;

	FaultDatabase(int port, String urlFormat, String username, String now) {
		this.port = port;
		this.urlFormat = urlFormat;
		this.username = username;
		this.now = now;
	}

	/**
	 * Creates database {@code faults} if missing and drops every table in it.
	 */
	abstract void recreate();

	int port() {
		return this.port;
	}

	String username() {
		return this.username;
	}

	/**
	 * Returns the SQL expression of the database's current time, comparable with the
	 * times the starter writes.
	 * @return the expression
	 */
	String now() {
		return this.now;
	}

	/**
	 * Returns the URL of database {@code faults} on a port: the database's own, or a
	 * proxy's.
	 * @param port the port
	 * @return the URL
	 */
	String url(int port) {
		return url(port, NAME);
	}

	String url(int port, String database) {
		return String.format(this.urlFormat, port, database);
	}

	/**
	 * Opens a small pool on database {@code faults}, straight to the database.
	 * @return the data source
	 */
	HikariDataSource directPool() {
		return pool(url(this.port), 4);
	}

	/**
	 * Reads a time column as the starter writes it: {@code timestamptz} on PostgreSQL,
	 * {@code DATETIME} holding UTC on MariaDB.
	 * @param rs the result set
	 * @param column the column index
	 * @return the time, or {@code null}
	 * @throws SQLException on a database error
	 */
	Instant read(ResultSet rs, int column) throws SQLException {
		if (this == POSTGRESQL) {
			OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
			return (time != null) ? time.toInstant() : null;
		}
		LocalDateTime time = rs.getObject(column, LocalDateTime.class);
		return (time != null) ? time.toInstant(ZoneOffset.UTC) : null;
	}

	/**
	 * Returns a value to bind for a time column.
	 * @param time the time
	 * @return the value
	 */
	Object bind(Instant time) {
		return (this == POSTGRESQL) ? time.atOffset(ZoneOffset.UTC) : LocalDateTime.ofInstant(time, ZoneOffset.UTC);
	}

	HikariDataSource pool(String url, int size) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(this.username);
		config.setMaximumPoolSize(size);
		config.setPoolName("faults-harness");
		return new HikariDataSource(config);
	}

}
