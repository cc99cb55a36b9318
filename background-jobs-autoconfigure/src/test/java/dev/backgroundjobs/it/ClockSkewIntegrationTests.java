package dev.backgroundjobs.it;

import java.time.Clock;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcDatabaseTime;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.kafka.EventHeaders;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * Sleeps, wait timeouts and awaited events when clocks disagree (scenario F8): instances
 * whose clocks are minutes off follow the database's time, and publishers whose clocks
 * are hours off resolve waits in the broker's order. Against a real Kafka broker and
 * PostgreSQL.
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
		if (this.cluster != null) {
			this.cluster.close();
		}
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
		String eventId = fast.getBean(EventPublisher.class).send("test/nap", Nap.forMillis(15_000));
		RunRecord sleeping = awaitStatus(fast, "nap", eventId, RunStatus.SLEEPING);
		fast.close();
		RunStore runs = new JdbcRunStore(this.database.dataSource(), DatabaseDialect.POSTGRESQL);
		// Still asleep: the instance with the slow clock is the one that wakes it.
		assertThat(runs.find(sleeping.runId()).status()).isEqualTo(RunStatus.SLEEPING);
		ConfigurableApplicationContext slow = start("-5m");
		RunRecord run = awaitStatus(slow, "nap", eventId, RunStatus.COMPLETED);
		assertThat(run.finishedAt()).isBetween(sleeping.wakeAt(), sleeping.wakeAt().plusSeconds(30));
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
	}

	@Test
	void anApprovalFromAPublisherWhoseClockIsHoursBehindResolvesAWaitThatBeganBeforeIt() throws Exception {
		ConfigurableApplicationContext app = start("0s");
		// Creates the topic, which only an EventPublisher does.
		app.getBean(EventPublisher.class).send("test/approved", new Approval("doc-0", "nobody waits"));
		String eventId = app.getBean(EventPublisher.class).send("test/review-requested", new Review("doc-7", 60_000));
		awaitStatus(app, "await-approval", eventId, RunStatus.WAITING);
		publishApproval(app, "doc-7", "alice", Instant.now().minus(Duration.ofHours(3)));
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"approved by alice\"");
	}

	@Test
	void anApprovalFromAPublisherWhoseClockIsHoursAheadDoesNotResolveAWaitThatBeganAfterIt() throws Exception {
		ConfigurableApplicationContext app = start("0s");
		app.getBean(EventPublisher.class).send("test/approved", new Approval("doc-0", "nobody waits"));
		publishApproval(app, "doc-8", "early-bird", Instant.now().plus(Duration.ofHours(3)));
		String eventId = app.getBean(EventPublisher.class).send("test/review-requested", new Review("doc-8", 3_000));
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"timed out\"");
	}

	private void publishApproval(ConfigurableApplicationContext app, String document, String approver,
			Instant timestamp) throws Exception {
		String topic = app.getBean(TopicNames.class).forEvent("test/approved");
		String id = UUID.randomUUID().toString();
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, id,
				("{\"documentId\":\"" + document + "\",\"approver\":\"" + approver + "\"}")
					.getBytes(StandardCharsets.UTF_8));
		record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
		record.headers().add(EventHeaders.NAME, "test/approved".getBytes(StandardCharsets.UTF_8));
		record.headers().add(EventHeaders.TIMESTAMP, timestamp.toString().getBytes(StandardCharsets.UTF_8));
		try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()), new StringSerializer(),
				new ByteArraySerializer())) {
			producer.send(record).get(30, TimeUnit.SECONDS);
		}
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
