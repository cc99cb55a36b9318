package dev.backgroundjobs.schedule;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.jdbc.JdbcRetentionStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link RetentionCleaner}'s loop against every supported database:
 * it goes on through a database outage and deletes once the database is back.
 */
class RetentionCleanerIntegrationTests {

	private static final String SCHEMA = "bj_retention_loop_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends LoopTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends LoopTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends LoopTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class LoopTests {

		private DataSource dataSource;

		private RetentionCleaner cleaner;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			this.dataSource = dataSource();
			if (initialized.add(this.dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource,
						new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			JdbcClient jdbc = JdbcClient.create(this.dataSource);
			for (String table : List.of("bj_steps", "bj_dead_letters", "bj_invocations", "bj_event_waits", "bj_runs")) {
				jdbc.sql("DELETE FROM " + table).update();
			}
		}

		@AfterEach
		void stopCleaner() {
			if (this.cleaner != null) {
				this.cleaner.stop();
			}
		}

		@Test
		void loopGoesOnThroughADatabaseOutageAndDeletesOnceTheDatabaseIsBack() {
			DatabaseDialect dialect = DatabaseDialect.from(this.dataSource);
			Instant now = new JdbcDatabaseTime(this.dataSource, dialect).now();
			JdbcClient jdbc = JdbcClient.create(this.dataSource);
			for (int i = 0; i < 25; i++) {
				jdbc.sql("""
						INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status,
								attempt, version, handler_failures, created_at, finished_at)
						VALUES (:runId, 'fn', :runId, 'test/event', '{}', :at, 'COMPLETED', 1, 1, 0, :at, :at)""")
					.param("runId", "run-" + i)
					.param("at", dialect.bind(now.minus(Duration.ofDays(8))))
					.update();
			}
			OutageDataSource outage = new OutageDataSource(this.dataSource);
			outage.down = true;
			AtomicLong deletedRuns = new AtomicLong();
			this.cleaner = new RetentionCleaner(new JdbcRetentionStore(outage, dialect),
					new RetentionCleaner.Settings(Duration.ofDays(7), Duration.ofDays(30), 10, Duration.ofMillis(20)),
					List.of((deleted) -> deletedRuns.addAndGet(deleted.runs())));
			this.cleaner.start();
			await().atMost(Duration.ofSeconds(30)).until(() -> outage.refused.get() >= 3);
			assertThat(this.cleaner.isRunning()).isTrue();
			assertThat(count(jdbc)).isEqualTo(25);
			outage.down = false;
			await().atMost(Duration.ofSeconds(30)).until(() -> count(jdbc) == 0);
			await().atMost(Duration.ofSeconds(30)).until(() -> deletedRuns.get() == 25);
			assertThat(this.cleaner.isRunning()).isTrue();
		}

		private long count(JdbcClient jdbc) {
			return jdbc.sql("SELECT COUNT(*) FROM bj_runs").query(Long.class).single();
		}

	}

	/**
	 * A data source that refuses connections while the database is down.
	 */
	static final class OutageDataSource extends DelegatingDataSource {

		volatile boolean down;

		final AtomicInteger refused = new AtomicInteger();

		OutageDataSource(DataSource dataSource) {
			super(dataSource);
		}

		@Override
		public Connection getConnection() throws SQLException {
			if (this.down) {
				this.refused.incrementAndGet();
				throw new SQLTransientConnectionException("Connection refused: the database is down");
			}
			return super.getConnection();
		}

	}

}
