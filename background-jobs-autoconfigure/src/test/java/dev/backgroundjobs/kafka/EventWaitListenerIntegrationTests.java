package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.autoconfigure.BackgroundJobsDataSourceScriptDatabaseInitializer;
import dev.backgroundjobs.autoconfigure.BackgroundJobsJdbcProperties;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcEventWaitStore;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Waits are resolved in the broker's order, not by clocks or by when rows commit: tests
 * of {@link EventWaitListener}, {@link KafkaEventLog} and the JDBC wait store against a
 * real Kafka broker and PostgreSQL, with the order of events and commits controlled.
 */
class EventWaitListenerIntegrationTests {

	private static final String EVENT = "test/approved";

	private TopicNames topics;

	private String topic;

	private JdbcRunStore runs;

	private EventWaitStore waits;

	private EventWaitListener listener;

	private KafkaEventLog eventLog;

	private SharedAdminClient adminClient;

	private KafkaProducer<String, byte[]> producer;

	private volatile Function<String, EventLogPosition> onEnd = (name) -> this.eventLog.end(name);

	@BeforeEach
	void setUp() throws Exception {
		String bootstrap = TestKafka.bootstrapServers();
		TopicNames topics = new TopicNames("waits-" + UUID.randomUUID().toString().substring(0, 8), "waits");
		this.topics = topics;
		this.topic = topics.forEvent(EVENT);
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
			admin.createTopics(List.of(new NewTopic(this.topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}
		DataSource dataSource = TestDatabases.postgres("bj_wait_order_tests");
		new BackgroundJobsDataSourceScriptDatabaseInitializer(dataSource, new BackgroundJobsJdbcProperties())
			.initializeDatabase();
		JdbcClient jdbc = JdbcClient.create(dataSource);
		jdbc.sql("DELETE FROM bj_event_waits").update();
		jdbc.sql("DELETE FROM bj_runs").update();
		this.runs = new JdbcRunStore(dataSource, DatabaseDialect.POSTGRESQL);
		this.adminClient = new SharedAdminClient(
				new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
		this.eventLog = new KafkaEventLog(this.adminClient, topics, Duration.ofSeconds(10));
		this.waits = new JdbcEventWaitStore(dataSource, DatabaseDialect.POSTGRESQL, (name) -> this.onEnd.apply(name));
		this.listener = new EventWaitListener(this.waits,
				new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1)));
		this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
				new StringSerializer(), new ByteArraySerializer());
	}

	@AfterEach
	void tearDown() {
		// Null when the broker or the database was not available and the test skipped.
		if (this.producer != null) {
			this.producer.close();
		}
		if (this.adminClient != null) {
			this.adminClient.destroy();
		}
	}

	@Test
	void anEventPublishedJustBeforeTheWaitBeginsDoesNotResolveIt() throws Exception {
		insert("run-1");
		publish("doc-1", Instant.now());
		beginWait("run-1", "doc-1");
		this.listener.onMessage(readAll(1));
		assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.WAITING);
		assertThat(this.waits.find("run-1", "approval").resolvedEvent()).isNull();
	}

	@Test
	void anEventPublishedAfterTheWaitBeganButReadBeforeItsStartCommittedResolvesIt() throws Exception {
		insert("run-1");
		publish("doc-1", Instant.now());
		CountDownLatch pendingSeen = new CountDownLatch(1);
		EventWaitListener watched = new EventWaitListener(new PendingSignal(this.waits, pendingSeen),
				new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1)));
		List<CompletableFuture<Void>> consumed = new ArrayList<>();
		this.onEnd = (name) -> {
			// The wait has begun: the end of the log is read. Before its start commits,
			// an
			// event is published and the consumer reads it.
			EventLogPosition end = this.eventLog.end(name);
			RecordMetadata published = publish("doc-1", Instant.now());
			List<ConsumerRecord<String, byte[]>> records = readFrom(published);
			consumed.add(CompletableFuture.runAsync(() -> watched.onMessage(records)));
			try {
				assertThat(pendingSeen.await(30, TimeUnit.SECONDS)).isTrue();
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
			return end;
		};
		beginWait("run-1", "doc-1");
		consumed.get(0).get(30, TimeUnit.SECONDS);
		assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.SLEEPING);
		assertThat(this.waits.find("run-1", "approval").resolvedEvent()).contains("\"documentId\":\"doc-1\"");
		// The event published before the wait began, read again, changes nothing.
		this.listener.onMessage(readAll(2));
		assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.SLEEPING);
	}

	@Test
	void aPublisherWhoseClockIsHoursOffResolvesAWaitIfAndOnlyIfItPublishedAfterTheWaitBegan() throws Exception {
		insert("run-1");
		insert("run-2");
		// Before the wait: the timestamp says hours later.
		publish("doc-1", Instant.now().plus(Duration.ofHours(3)));
		beginWait("run-1", "doc-1");
		beginWait("run-2", "doc-2");
		// After the wait: the timestamp says hours earlier.
		publish("doc-2", Instant.now().minus(Duration.ofHours(3)));
		this.listener.onMessage(readAll(2));
		assertThat(this.runs.find("run-1").status()).isEqualTo(RunStatus.WAITING);
		assertThat(this.runs.find("run-2").status()).isEqualTo(RunStatus.SLEEPING);
	}

	@Test
	void onAssignmentTheConsumerSkipsToTheEarliestOpenWaitAndPastTopicsNoRunWaitsFor() throws Exception {
		String other = this.topics.forEvent("test/other");
		try (Admin admin = Admin
			.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
			admin.createTopics(List.of(new NewTopic(other, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}
		insert("run-1");
		for (int i = 0; i < 4; i++) {
			publish("doc-" + i, Instant.now().plus(Duration.ofHours(3)));
		}
		this.producer.send(new ProducerRecord<>(other, "k", new byte[] { '{', '}' })).get(30, TimeUnit.SECONDS);
		beginWait("run-1", "doc-1");
		EventLogPosition start = this.eventLog.end(EVENT);
		publish("doc-1", Instant.now());
		List<TopicPartition> partitions = List.of(new TopicPartition(this.topic, 0), new TopicPartition(this.topic, 1),
				new TopicPartition(other, 0));
		try (KafkaConsumer<String, byte[]> consumer = consumer()) {
			consumer.assign(partitions);
			new SkipToOldestWait(this.waits, this.topics).onPartitionsAssigned(consumer, partitions);
			assertThat(consumer.position(partitions.get(0))).isEqualTo(start.offsets().get(0));
			assertThat(consumer.position(partitions.get(1))).isEqualTo(start.offsets().get(1));
			assertThat(consumer.position(partitions.get(2))).isOne();
		}
	}

	@Test
	void theEndOfTheLogOfAnEventNeverPublishedIsItsStart() {
		assertThat(this.eventLog.end("test/never-published")).isEqualTo(EventLogPosition.START);
	}

	private void insert(String runId) {
		NewRun run = new NewRun(runId, "fn", "event-" + runId, "test/event", "{}", Instant.now(), null);
		assertThat(this.runs.insertLeased(List.of(run), "owner-a", Duration.ofMinutes(10))).containsExactly(runId);
	}

	private void beginWait(String runId, String document) {
		assertThat(this.waits.awaitEvent(runId, 1, "approval", EVENT, "data.documentId", "s:" + document,
				Duration.ofMinutes(5)))
			.isTrue();
	}

	private RecordMetadata publish(String document, Instant timestamp) {
		String id = UUID.randomUUID().toString();
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topic, id,
				("{\"documentId\":\"" + document + "\",\"approver\":\"alice\"}").getBytes(StandardCharsets.UTF_8));
		EventHeaders.write(record.headers(), id, EVENT, timestamp);
		try {
			return this.producer.send(record).get(30, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private List<ConsumerRecord<String, byte[]>> readAll(int count) {
		try (KafkaConsumer<String, byte[]> consumer = consumer()) {
			List<TopicPartition> partitions = List.of(new TopicPartition(this.topic, 0),
					new TopicPartition(this.topic, 1));
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			return poll(consumer, count);
		}
	}

	private List<ConsumerRecord<String, byte[]>> readFrom(RecordMetadata published) {
		try (KafkaConsumer<String, byte[]> consumer = consumer()) {
			TopicPartition partition = new TopicPartition(this.topic, published.partition());
			consumer.assign(List.of(partition));
			consumer.seek(partition, published.offset());
			return poll(consumer, 1);
		}
	}

	private static List<ConsumerRecord<String, byte[]>> poll(KafkaConsumer<String, byte[]> consumer, int count) {
		List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (records.size() < count && System.nanoTime() < deadline) {
			consumer.poll(Duration.ofMillis(200)).forEach(records::add);
		}
		assertThat(records).hasSize(count);
		return records;
	}

	private KafkaConsumer<String, byte[]> consumer() {
		return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
				ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
				new StringDeserializer(), new ByteArrayDeserializer());
	}

	/**
	 * A wait store that signals when an event matched a wait that has no start yet.
	 */
	private static final class PendingSignal implements EventWaitStore {

		private final EventWaitStore delegate;

		private final CountDownLatch pendingSeen;

		PendingSignal(EventWaitStore delegate, CountDownLatch pendingSeen) {
			this.delegate = delegate;
			this.pendingSeen = pendingSeen;
		}

		@Override
		public Resolution resolve(Arrival event, String matchPath, String matchValue, boolean restartPending) {
			Resolution resolution = this.delegate.resolve(event, matchPath, matchValue, restartPending);
			if (resolution.pending() > 0) {
				this.pendingSeen.countDown();
			}
			return resolution;
		}

		@Override
		public boolean awaitEvent(String runId, long version, String stepId, String eventName, String matchPath,
				String matchValue, Duration timeout) {
			return this.delegate.awaitEvent(runId, version, stepId, eventName, matchPath, matchValue, timeout);
		}

		@Override
		public dev.backgroundjobs.store.EventWait find(String runId, String stepId) {
			return this.delegate.find(runId, stepId);
		}

		@Override
		public List<dev.backgroundjobs.store.EventWait> findByRun(String runId) {
			return this.delegate.findByRun(runId);
		}

		@Override
		public void delete(String runId, String stepId) {
			this.delegate.delete(runId, stepId);
		}

		@Override
		public Instant oldestOpenWait() {
			return this.delegate.oldestOpenWait();
		}

		@Override
		public Map<String, java.util.Set<String>> matchPaths(java.util.Collection<String> eventNames) {
			return this.delegate.matchPaths(eventNames);
		}

		@Override
		public Map<String, EventLogPosition> earliestOpenWaitStarts() {
			return this.delegate.earliestOpenWaitStarts();
		}

		@Override
		public boolean eventsReadThrough(EventWait wait) {
			return this.delegate.eventsReadThrough(wait);
		}

	}

}
