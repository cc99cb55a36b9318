package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import javax.sql.DataSource;

import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.TestEngineSettings;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.CronTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link DatabaseClock} against every supported database: an
 * instance whose own clock is five minutes off still fires cron ticks at the database's
 * time.
 */
class DatabaseClockIntegrationTests {

	private static final String SCHEMA = "bj_clock_tests";

	private static final Set<DataSource> initialized = ConcurrentHashMap.newKeySet();

	@Nested
	class H2 extends ClockTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.h2(SCHEMA);
		}

	}

	@Nested
	class PostgreSql extends ClockTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.postgres(SCHEMA);
		}

	}

	@Nested
	class MariaDb extends ClockTests {

		@Override
		DataSource dataSource() {
			return TestDatabases.mariadb(SCHEMA);
		}

	}

	abstract static class ClockTests {

		private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

		DataSource dataSource;

		JdbcDatabaseTime databaseTime;

		abstract DataSource dataSource();

		@BeforeEach
		void prepareDatabase() {
			this.dataSource = dataSource();
			if (initialized.add(this.dataSource)) {
				new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource,
						new BackgroundJobsJdbcProperties())
					.initializeDatabase();
			}
			JdbcClient.create(this.dataSource).sql("DELETE FROM bj_runs").update();
			this.databaseTime = new JdbcDatabaseTime(this.dataSource, DatabaseDialect.from(this.dataSource));
		}

		@AfterEach
		void close() {
			this.scheduler.shutdownNow();
		}

		@ParameterizedTest
		@ValueSource(longs = { 5, -5 })
		void aClockMinutesOffReadsTheDatabasesTimeOnceSynchronized(long minutes) {
			Clock skewed = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(minutes));
			DatabaseClock clock = new DatabaseClock(skewed, this.databaseTime);
			assertThat(clock.instant()).isCloseTo(Instant.now().plus(Duration.ofMinutes(minutes)),
					within(10, ChronoUnit.SECONDS));
			assertThat(clock.synchronize()).isTrue();
			assertThat(clock.offset()).isCloseTo(Duration.ofMinutes(-minutes), Duration.ofSeconds(1));
			assertThat(clock.instant()).isCloseTo(this.databaseTime.now(), within(1, ChronoUnit.SECONDS));
			assertThat(clock.withZone(ZoneOffset.ofHours(2)).instant()).isCloseTo(this.databaseTime.now(),
					within(1, ChronoUnit.SECONDS));
		}

		@ParameterizedTest
		@ValueSource(longs = { 5, -5 })
		void cronTicksOfAnInstanceWhoseClockIsMinutesOffFireAtTheDatabasesTime(long minutes) throws Exception {
			Clock skewed = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(minutes));
			DatabaseClock clock = new DatabaseClock(skewed, this.databaseTime);
			DatabaseClockSynchronizer synchronizer = new DatabaseClockSynchronizer(clock, this.scheduler,
					Duration.ofSeconds(1));
			synchronizer.start();
			JdbcRunStore runs = new JdbcRunStore(this.dataSource, DatabaseDialect.from(this.dataSource));
			FunctionRegistry functions = new FunctionRegistry();
			FunctionDefinition everySecond = new FunctionDefinition("every-second", "bean",
					Object.class.getMethod("toString"), List.of(new CronTrigger("* * * * * *", ZoneOffset.UTC)), 0,
					null);
			ReflectionTestUtils.invokeMethod(functions, "register", List.of(everySecond));
			WorkerPool pool = new WorkerPool(Runnable::run, 1, 1);
			pool.shutdown(Duration.ZERO);
			CronTicker ticker = new CronTicker(runs,
					new RunDispatcher(pool, idleExecutor(), this.scheduler,
							new RetryBackoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 0)),
					functions, "instance-a", Duration.ofMinutes(1), clock, CronTicker.MissedTicks.RUN_ONCE);
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
				ticker.tickNow();
				return runs.countByStatus().values().stream().mapToLong(Long::longValue).sum() >= 3;
			});
			synchronizer.stop();
			List<RunRecord> ticks = runs.findRuns(new RunQuery(null, "every-second", null, 10));
			assertThat(ticks).hasSizeGreaterThanOrEqualTo(3).allSatisfy((run) -> {
				// Recorded (database time) at or just after its tick, never minutes off.
				assertThat(run.createdAt()).isAfterOrEqualTo(run.eventTime().minusMillis(100));
				assertThat(run.createdAt()).isBefore(run.eventTime().plusSeconds(2));
			});
		}

	}

	/**
	 * An executor for a dispatcher whose pool is shut down: it is never called.
	 */
	private static RunExecutor idleExecutor() {
		return new RunExecutor(null, null, new FunctionRegistry(), null, TestEngineSettings.of(), List.of(), null, null,
				null, null);
	}

}
