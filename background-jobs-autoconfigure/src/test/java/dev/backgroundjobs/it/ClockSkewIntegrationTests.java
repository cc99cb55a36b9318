package dev.backgroundjobs.it;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sleeps and wait timeouts of instances whose clocks are minutes off (scenario F8): they
 * follow the database's time, against a real Kafka broker and PostgreSQL.
 */
class ClockSkewIntegrationTests {

	private TestApplication.Cluster cluster;

	private TestDatabases.ConnectionSettings database;

	private JdbcDatabaseTime databaseTime;

	@BeforeEach
	void setUp() {
		this.database = TestDatabases.settings(TestDatabases.postgres("bj_skew_it"));
		this.cluster = new TestApplication.Cluster(this.database.url(), this.database.username(),
				this.database.password())
			.with("test.durable-functions", "true")
			.with("background-jobs.poller.interval", "100ms");
		TestApplication.Cluster.clearTables(this.database.dataSource());
		this.databaseTime = new JdbcDatabaseTime(this.database.dataSource(), DatabaseDialect.POSTGRESQL);
	}

	@AfterEach
	void tearDown() {
		this.cluster.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "5m", "-5m" })
	void sleepUntilWakesAtTheDatabasesTimeWhateverTheInstancesClock(String skew) {
		ConfigurableApplicationContext app = start(skew);
		Instant wakeAt = this.databaseTime.now().plusSeconds(3);
		String eventId = app.getBean(EventPublisher.class).send("test/nap", Nap.until(wakeAt));
		RunRecord run = awaitStatus(app, "nap", eventId, RunStatus.COMPLETED);
		assertThat(run.finishedAt()).isBetween(wakeAt, wakeAt.plusSeconds(30));
	}

	@ParameterizedTest
	@ValueSource(strings = { "5m", "-5m" })
	void waitForEventTimesOutOnTheDatabasesTimeWhateverTheInstancesClock(String skew) {
		ConfigurableApplicationContext app = start(skew);
		String eventId = app.getBean(EventPublisher.class).send("test/review-requested", new Review("doc-9", 3_000));
		RunRecord waiting = awaitStatus(app, "await-approval", eventId, RunStatus.WAITING);
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"timed out\"");
		assertThat(run.finishedAt()).isBetween(waiting.createdAt().plusSeconds(3), waiting.createdAt().plusSeconds(33));
	}

	@Test
	void aSleepStartedOnAnInstanceWithAFastClockWakesOnTimeOnOneWithASlowClock() {
		ConfigurableApplicationContext fast = start("5m");
		String eventId = fast.getBean(EventPublisher.class).send("test/nap", Nap.forMillis(4_000));
		RunRecord sleeping = awaitStatus(fast, "nap", eventId, RunStatus.SLEEPING);
		fast.close();
		ConfigurableApplicationContext slow = start("-5m");
		RunRecord run = awaitStatus(slow, "nap", eventId, RunStatus.COMPLETED);
		assertThat(run.finishedAt()).isBetween(sleeping.wakeAt(), sleeping.wakeAt().plusSeconds(30));
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
	}

	private ConfigurableApplicationContext start(String skew) {
		return this.cluster.with("test.clock-skew", skew).start(WebApplicationType.NONE, SkewedClock.class);
	}

	/**
	 * The clock of an instance whose system time is off by {@code test.clock-skew}.
	 */
	@Configuration(proxyBeanMethods = false)
	static class SkewedClock {

		@Bean
		Clock skewedClock(@Value("${test.clock-skew}") Duration skew) {
			return Clock.offset(Clock.systemUTC(), skew);
		}

	}

}
