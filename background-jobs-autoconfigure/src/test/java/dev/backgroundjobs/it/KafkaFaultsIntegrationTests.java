package dev.backgroundjobs.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.actuate.BackgroundJobsHealthIndicator;
import dev.backgroundjobs.kafka.DeadLetterPublisher;
import dev.backgroundjobs.kafka.DeadLetterRelay;
import dev.backgroundjobs.kafka.EventHeaders;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.RawRecords;
import dev.backgroundjobs.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka side under faults, against a real broker (one that is absent at first, for
 * the outage tests) and PostgreSQL.
 */
class KafkaFaultsIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private static final String BOOTSTRAP_SERVERS_PROPERTY = "spring.kafka.bootstrap-servers";

	private TestApplication.Cluster cluster;

	private EmbeddedKafkaKraftBroker lateBroker;

	@BeforeEach
	void setUp() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_kafka_it"));
		this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password());
		TestApplication.Cluster.clearTables(database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
		if (this.lateBroker != null) {
			this.lateBroker.destroy();
		}
	}

	@Test
	void appStartsWithoutItsBrokerAndConsumesOnceTheBrokerComesUp() throws Exception {
		int port = freePort();
		Duration sendTimeout = Duration.ofSeconds(2);
		this.cluster.with("background-jobs.kafka.send-timeout", sendTimeout.toString());
		ConfigurableApplicationContext app = startOn("127.0.0.1:" + port);
		assertThat(app.isActive()).isTrue();
		BackgroundJobsHealthIndicator health = app.getBean(BackgroundJobsHealthIndicator.class);
		assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.health(true).getDetails()).containsKey("kafka");

		EventPublisher publisher = app.getBean(EventPublisher.class);
		long started = System.nanoTime();
		assertThatExceptionOfType(BrokerUnavailableException.class)
			.isThrownBy(() -> publisher.send(Event.of("kafka/outage", Job.simple("during")).withId("during-outage")))
			.withMessageContaining("during-outage")
			.withMessageContaining("kafka/outage")
			.withMessageContaining("background-jobs.kafka.send-timeout");
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		// Loose on purpose: the whole send honours its timeout, not one part of it.
		assertThat(took).isLessThan(sendTimeout.multipliedBy(3));
		// A name whose topic the consumers do not create: the send provisions it itself.
		started = System.nanoTime();
		assertThatExceptionOfType(BrokerUnavailableException.class)
			.isThrownBy(() -> publisher.send("kafka/never-consumed", Job.simple("new topic")))
			.withMessageContaining("kafka/never-consumed");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(sendTimeout.multipliedBy(3));

		// A dead letter recorded during the outage waits in the database.
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		TopicNames topics = app.getBean(TopicNames.class);
		String poisonId = DeadLetterRecord.poisonId("outage", topics.forEvent("kafka/outage"), 0, 0);
		deadLetters.savePoison(new DeadLetterRecord(poisonId, null, "outage", null, "not JSON",
				topics.forEvent("kafka/outage"), 0, 0, null, new byte[] { '{' }, Instant.now()));
		assertThat(app.getBean(DeadLetterRelay.class).relayNow()).isZero();
		assertThat(health.health(true).getDetails()).containsEntry("deadLettersToPublish", 1L);

		this.lateBroker = startBroker(port);
		await().atMost(TIMEOUT)
			.pollInterval(Duration.ofMillis(200))
			.until(() -> health.health(true).getStatus().equals(Status.UP));
		await().atMost(TIMEOUT).until(() -> deadLetters.countUnpublished() == 0);
		await().atMost(TIMEOUT)
			.until(() -> topicsOf(port).containsAll(
					Set.of(topics.forEvent("kafka/outage"), topics.forEvent("kafka/intake"), topics.deadLetters())));
		String eventId = publisher.send("kafka/outage", Job.simple("after"));
		awaitStatus(app, "outage", eventId, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "outage")).isOne();
	}

	@Test
	void functionNamedLikeTheEventWaitConsumerReceivesEveryEvent() throws Exception {
		this.cluster.with("test.durable-functions", "true");
		ConfigurableApplicationContext app = start();
		EventPublisher publisher = app.getBean(EventPublisher.class);
		// A run waits, so the event-wait consumer runs.
		String review = publisher.send("test/review-requested", new Review("doc-ew", 60_000));
		awaitStatus(app, "await-approval", review, RunStatus.WAITING);
		TopicNames topics = app.getBean(TopicNames.class);
		String waitGroup = topics.groupFor("event-waits");
		String reviewTopic = topics.forEvent("test/review-requested");
		try (Admin admin = Admin
			.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
			// The event-wait consumer has joined its group: it reads every topic.
			await().atMost(TIMEOUT)
				.ignoreExceptions()
				.until(() -> admin.describeConsumerGroups(Set.of(waitGroup))
					.all()
					.get(10, TimeUnit.SECONDS)
					.get(waitGroup)
					.members()
					.stream()
					.anyMatch((member) -> member.assignment()
						.topicPartitions()
						.stream()
						.anyMatch((partition) -> partition.topic().equals(reviewTopic))));
		}
		int events = 40;
		String[] ids = new String[events];
		for (int i = 0; i < events; i++) {
			ids[i] = publisher.send("kafka/named-like-internal", Job.simple("e" + i));
		}
		for (String id : ids) {
			awaitStatus(app, "event-waits", id, RunStatus.COMPLETED);
			assertThat(this.cluster.probe.count(id, "event-waits")).isOne();
		}
		publisher.send("test/approved", new Approval("doc-ew", "alice"));
		assertThat(awaitStatus(app, "await-approval", review, RunStatus.COMPLETED).output())
			.isEqualTo("\"approved by alice\"");
	}

	@Test
	void recordsTheDatabaseCannotStoreBecomeDeadLettersAndLaterRecordsOnThePartitionRun() throws Exception {
		ConfigurableApplicationContext app = start();
		String topic = app.getBean(TopicNames.class).forEvent("kafka/intake");
		String deadLetterTopic = app.getBean(TopicNames.class).deadLetters();
		try (KafkaProducer<String, byte[]> producer = RawRecords.producer()) {
			producer.send(record(topic, "nul-payload", null, "\u0000{not json".getBytes(StandardCharsets.UTF_8))).get();
			producer.send(record(topic, "nul\u0000id", null, "{}".getBytes(StandardCharsets.UTF_8))).get();
			producer.send(record(topic, "far-future", "+300000-01-01T00:00:00Z", "{}".getBytes(StandardCharsets.UTF_8)))
				.get();
			producer.send(record(topic, "far-past", "-300000-01-01T00:00:00Z", "{}".getBytes(StandardCharsets.UTF_8)))
				.get();
			producer
				.send(record(topic, "after-bad-input", Instant.now().toString(),
						"{\"key\":\"after\",\"failTimes\":0,\"sleepMillis\":0}".getBytes(StandardCharsets.UTF_8)))
				.get();
		}
		awaitStatus(app, "intake", "after-bad-input", RunStatus.COMPLETED);
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		await().atMost(TIMEOUT).until(() -> deadLetters.count() == 4);
		List<DeadLetterRecord> stored = deadLetters.findAll(10);
		assertThat(stored).allSatisfy((deadLetter) -> {
			assertThat(deadLetter.functionId()).isEqualTo("intake");
			assertThat(deadLetter.topic()).isEqualTo(topic);
			assertThat(deadLetter.partition()).isZero();
			assertThat(deadLetter.rawValue()).isNotNull();
			assertThat(deadLetter.id()).isEqualTo(DeadLetterRecord.poisonId("intake", topic, 0, deadLetter.offset()));
		});
		assertThat(stored).extracting(DeadLetterRecord::error)
			.anySatisfy((error) -> assertThat(error).contains("not JSON").contains("\uFFFD{not json"))
			.anySatisfy((error) -> assertThat(error).contains("Event id contains U+0000"))
			.anySatisfy((error) -> assertThat(error).contains("+300000-01-01T00:00:00Z"))
			.anySatisfy((error) -> assertThat(error).contains("-300000-01-01T00:00:00Z"));
		assertThat(stored).filteredOn((deadLetter) -> deadLetter.error().contains("not JSON"))
			.singleElement()
			.satisfies((deadLetter) -> assertThat(deadLetter.rawValue())
				.isEqualTo("\u0000{not json".getBytes(StandardCharsets.UTF_8)));
		await().atMost(TIMEOUT).until(() -> deadLetters.countUnpublished() == 0);
		List<ConsumerRecord<String, byte[]>> published = consumeAll(deadLetterTopic, 4);
		assertThat(published).hasSize(4).allSatisfy((record) -> {
			assertThat(header(record, DeadLetterPublisher.FUNCTION_HEADER)).isEqualTo("intake");
			assertThat(header(record, DeadLetterPublisher.ERROR_HEADER)).isNotEmpty();
			assertThat(header(record, EventHeaders.NAME)).isEqualTo("kafka/intake");
		});
		assertThat(published).extracting((record) -> header(record, DeadLetterPublisher.DEAD_LETTER_ID_HEADER))
			.containsExactlyInAnyOrderElementsOf(stored.stream().map(DeadLetterRecord::id).toList());
	}

	@Test
	void redeliveredPoisonRecordAddsNoSecondDeadLetter() throws Exception {
		ConfigurableApplicationContext first = start();
		TopicNames topics = first.getBean(TopicNames.class);
		String topic = topics.forEvent("kafka/intake");
		try (KafkaProducer<String, byte[]> producer = RawRecords.producer()) {
			producer.send(record(topic, "poison-twice", null, "{not json".getBytes(StandardCharsets.UTF_8))).get();
		}
		DeadLetterStore deadLetters = first.getBean(DeadLetterStore.class);
		await().atMost(TIMEOUT).until(() -> deadLetters.count() == 1);
		first.close();
		// The function's group forgets its offsets, so the record is delivered again.
		String group = topics.prefix() + ".intake";
		try (Admin admin = Admin
			.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
			await().atMost(TIMEOUT)
				.ignoreExceptions()
				.until(() -> admin.deleteConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS) == null);
		}
		ConfigurableApplicationContext second = start();
		try (KafkaProducer<String, byte[]> producer = RawRecords.producer()) {
			producer
				.send(record(topic, "after-redelivery", Instant.now().toString(),
						"{\"key\":\"after\",\"failTimes\":0,\"sleepMillis\":0}".getBytes(StandardCharsets.UTF_8)))
				.get();
		}
		// The later record on the same partition ran, so the poison record was read
		// again.
		awaitStatus(second, "intake", "after-redelivery", RunStatus.COMPLETED);
		assertThat(second.getBean(DeadLetterStore.class).count()).isOne();
	}

	@Test
	void deadLetterCommittedWhileNoRelayRunsIsPublishedOncePerFailedAttempt() throws Exception {
		ConfigurableApplicationContext app = start();
		String deadLetterTopic = app.getBean(TopicNames.class).deadLetters();
		DeadLetterRelay relay = app.getBean(DeadLetterRelay.class);
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		// As if the instance died between the commit of the dead letter and its send.
		relay.stop();
		String eventId = app.getBean(EventPublisher.class).send("kafka/doomed", Job.simple("first"));
		RunRecord failed = awaitStatus(app, "doomed", eventId, RunStatus.FAILED);
		assertThat(deadLetters.countUnpublished()).isOne();
		// Replayed before the relay got to it: the stale dead letter is never published.
		replayAndAwaitFailure(app, failed.runId());
		assertThat(relay.relayNow()).isOne();
		assertThat(relay.relayNow()).isZero();
		replayAndAwaitFailure(app, failed.runId());
		assertThat(relay.relayNow()).isOne();
		List<ConsumerRecord<String, byte[]>> published = consumeAll(deadLetterTopic, 2);
		assertThat(published).hasSize(2).allSatisfy((record) -> {
			assertThat(record.key()).isEqualTo(failed.runId());
			assertThat(new String(record.value(), StandardCharsets.UTF_8)).contains("Doomed: first")
				.contains("\"eventId\":\"" + eventId + "\"");
		});
		assertThat(deadLetters.countUnpublished()).isZero();
	}

	@Test
	void summaryOverTheSizeLimitIsPublishedTruncated() {
		this.cluster.with("background-jobs.max-payload-size", "2KB");
		ConfigurableApplicationContext app = start();
		String eventId = app.getBean(EventPublisher.class).send("kafka/doomed", new Job("huge", 0, 10_000));
		RunRecord failed = awaitStatus(app, "doomed", eventId, RunStatus.FAILED);
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		await().atMost(TIMEOUT).until(() -> deadLetters.countUnpublished() == 0);
		ConsumerRecord<String, byte[]> published = consumeAll(app.getBean(TopicNames.class).deadLetters(), 1).get(0);
		assertThat(published.key()).isEqualTo(failed.runId());
		assertThat(new String(published.value(), StandardCharsets.UTF_8)).contains("\"truncated\":true")
			.contains("Doomed: huge!!!");
		assertThat(published.value().length).isLessThanOrEqualTo(2048);
	}

	private static void replayAndAwaitFailure(ConfigurableApplicationContext app, String runId) {
		RunStore runs = app.getBean(RunStore.class);
		long before = runs.find(runId).version();
		app.getBean(RunOperations.class).replay(runId);
		await().atMost(TIMEOUT).until(() -> {
			RunRecord run = runs.find(runId);
			return run.version() > before && run.status() == RunStatus.FAILED;
		});
	}

	private ConfigurableApplicationContext start() {
		return this.cluster.start(WebApplicationType.NONE, KafkaFaultTestFunctions.class);
	}

	/**
	 * Starts an instance on another broker. The shared test broker sets the system
	 * property {@code spring.kafka.bootstrap-servers}, which outranks the cluster's
	 * properties, so it is replaced while the instance starts (test classes run one at a
	 * time).
	 */
	private ConfigurableApplicationContext startOn(String bootstrapServers) {
		String shared = TestKafka.bootstrapServers();
		System.setProperty(BOOTSTRAP_SERVERS_PROPERTY, bootstrapServers);
		try {
			return start();
		}
		finally {
			System.setProperty(BOOTSTRAP_SERVERS_PROPERTY, shared);
		}
	}

	private static ProducerRecord<String, byte[]> record(String topic, String id, String timestamp, byte[] value) {
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, 0, id, value);
		record.headers().add(EventHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
		record.headers().add(EventHeaders.NAME, "kafka/intake".getBytes(StandardCharsets.UTF_8));
		if (timestamp != null) {
			record.headers().add(EventHeaders.TIMESTAMP, timestamp.getBytes(StandardCharsets.UTF_8));
		}
		return record;
	}

	private static String header(ConsumerRecord<String, byte[]> record, String key) {
		Header header = record.headers().lastHeader(key);
		return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
	}

	/**
	 * Reads a topic from the start until it has been quiet for a while after
	 * {@code atLeast} records arrived, so that a duplicate would be seen.
	 */
	private static List<ConsumerRecord<String, byte[]>> consumeAll(String topic, int atLeast) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
				ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
				"earliest", ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
				ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
			consumer.subscribe(List.of(topic));
			await().atMost(TIMEOUT).until(() -> {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
				return records.size() >= atLeast;
			});
			for (int i = 0; i < 5; i++) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
		}
		return records;
	}

	private static Set<String> topicsOf(int port) throws Exception {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port))) {
			return admin.listTopics().names().get(10, TimeUnit.SECONDS);
		}
	}

	private static EmbeddedKafkaKraftBroker startBroker(int port) {
		// The KRaft test kit binds its listeners to ports of its own choosing (kafkaPorts
		// is ignored), so a third listener takes the fixed port the application knows.
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 4);
		broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "4",
				"transaction.state.log.replication.factor", "1", "auto.create.topics.enable", "false", "listeners",
				"EXTERNAL://localhost:0,CONTROLLER://localhost:0,FIXED://127.0.0.1:" + port,
				"listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,FIXED:PLAINTEXT"));
		String shared = TestKafka.bootstrapServers();
		try {
			broker.afterPropertiesSet();
		}
		finally {
			// The broker names itself in the system property that the shared one set.
			System.setProperty(BOOTSTRAP_SERVERS_PROPERTY, shared);
		}
		return broker;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
