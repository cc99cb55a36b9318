package dev.backgroundjobs.schedule;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
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
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.schedule.CronTicker.MissedTicks;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CronTicker} over an H2 store whose database can be made unreachable.
 */
class CronTickerTests {

	private static final Instant START = Instant.parse("2026-03-01T10:00:30Z");

	private final SettableClock clock = new SettableClock(START);

	private final FunctionRegistry functions = new FunctionRegistry();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private DataSource dataSource;

	private RunStore store;

	private volatile boolean databaseDown;

	private RunDispatcher dispatcher;

	@BeforeEach
	void prepare() throws Exception {
		this.dataSource = TestDatabases.h2();
		new BackgroundJobsDataSourceScriptDatabaseInitializer(this.dataSource, new BackgroundJobsJdbcProperties())
			.initializeDatabase();
		RunStore runs = new JdbcRunStore(this.dataSource, DatabaseDialect.H2);
		this.store = (RunStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { RunStore.class },
				(proxy, method, args) -> {
					if (this.databaseDown) {
						throw new CannotCreateTransactionException("Could not open JDBC Connection for transaction");
					}
					try {
						return method.invoke(runs, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
		// Runs are recorded but not executed: the pool accepts no work.
		WorkerPool pool = new WorkerPool(Runnable::run, 1, 1);
		pool.shutdown(Duration.ZERO);
		this.dispatcher = new RunDispatcher(pool, idleExecutor(), this.scheduler,
				new RetryBackoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 0));
		FunctionDefinition report = new FunctionDefinition("report", "bean", Object.class.getMethod("toString"),
				List.of(new CronTrigger("* * * * *", ZoneOffset.UTC)), 0, null);
		ReflectionTestUtils.invokeMethod(this.functions, "register", List.of(report));
	}

	@AfterEach
	void close() {
		this.scheduler.shutdownNow();
	}

	@Test
	void eachDueTickStartsOneRunAcrossInstances() {
		CronTicker first = ticker("instance-a", Duration.ofMinutes(5), MissedTicks.RUN_ONCE);
		CronTicker second = ticker("instance-b", Duration.ofMinutes(5), MissedTicks.RUN_ONCE);
		first.tickNow();
		second.tickNow();
		for (int minute = 0; minute < 5; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			first.tickNow();
			second.tickNow();
		}
		assertThat(ticks()).containsExactly(minute(1), minute(2), minute(3), minute(4), minute(5));
	}

	@Test
	void aDatabaseOutageOnAPerMinuteCronStartsOneCatchUpRunNotOnePerMissedTick() {
		CronTicker ticker = ticker("instance-a", Duration.ofHours(1), MissedTicks.RUN_ONCE);
		ticker.tickNow();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(ticker.tickNow()).isOne();
		this.databaseDown = true;
		for (int minute = 0; minute < 30; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			assertThat(ticker.tickNow()).isZero();
		}
		this.databaseDown = false;
		assertThat(ticker.tickNow()).isOne();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(ticker.tickNow()).isOne();
		assertThat(ticks()).containsExactly(minute(1), minute(31), minute(32));
	}

	@Test
	void ticksMissedInAnOutageAreSkippedWhenConfiguredSo() {
		CronTicker ticker = ticker("instance-a", Duration.ofHours(1), MissedTicks.SKIP);
		ticker.tickNow();
		this.databaseDown = true;
		for (int minute = 0; minute < 30; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			ticker.tickNow();
		}
		this.databaseDown = false;
		assertThat(ticker.tickNow()).isZero();
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(ticker.tickNow()).isOne();
		assertThat(ticks()).containsExactly(minute(31));
	}

	@Test
	void aLookMoreThanALeaseAfterThePreviousOneStartsOneCatchUpRun() {
		CronTicker ticker = ticker("instance-a", Duration.ofMinutes(5), MissedTicks.RUN_ONCE);
		ticker.tickNow();
		// The process stood still for half an hour (a suspended VM).
		this.clock.advance(Duration.ofMinutes(30));
		assertThat(ticker.tickNow()).isOne();
		assertThat(ticks()).containsExactly(minute(30));
	}

	@Test
	void nextTickAfterIsTheEarliestTickOfAnyCronFunction() {
		CronTicker ticker = ticker("instance-a", Duration.ofMinutes(5), MissedTicks.RUN_ONCE);
		assertThat(ticker.nextTickAfter(START)).isEqualTo(minute(1));
		assertThat(ticker.nextTickAfter(minute(1))).isEqualTo(minute(2));
	}

	private CronTicker ticker(String instanceId, Duration lease, MissedTicks missedTicks) {
		return new CronTicker(this.store, this.dispatcher, this.functions, instanceId, lease, this.clock, missedTicks);
	}

	private List<Instant> ticks() {
		return JdbcClient.create(this.dataSource)
			.sql("SELECT event_time FROM bj_runs WHERE function_id = 'report' ORDER BY event_time")
			.query((rs, row) -> rs.getObject(1, OffsetDateTime.class).toInstant())
			.list();
	}

	private static Instant minute(int minutes) {
		return Instant.parse("2026-03-01T10:00:00Z").plus(Duration.ofMinutes(minutes));
	}

	/**
	 * An executor for a dispatcher whose pool is shut down: it is never called.
	 */
	private static RunExecutor idleExecutor() {
		return new RunExecutor(null, null, new FunctionRegistry(), null, TestEngineSettings.of(), List.of(), null, null,
				null, null);
	}

}
