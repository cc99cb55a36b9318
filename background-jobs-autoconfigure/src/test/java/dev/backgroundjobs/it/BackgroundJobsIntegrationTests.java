package dev.backgroundjobs.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.kafka.EventHeaders;
import dev.backgroundjobs.kafka.FunctionConsumers;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.schedule.EngineLifecycle;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.RawRecords;
import dev.backgroundjobs.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end behaviour against a real Kafka broker and PostgreSQL.
 */
class BackgroundJobsIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private TestApplication.Cluster cluster;

	@BeforeEach
	void setUp() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_it"));
		this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password());
		TestApplication.Cluster.clearTables(database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void threeStepsCompleteEachExactlyOnce() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/three", Job.simple("doc-1"));
		RunRecord run = awaitStatus(app, "three-steps", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"a1-b1\"");
		assertThat(this.cluster.probe.count(eventId, "a")).isOne();
		assertThat(this.cluster.probe.count(eventId, "b")).isOne();
		assertThat(this.cluster.probe.count(eventId, "c")).isOne();
		List<StepRecord> steps = app.getBean(StepStore.class).findSteps(run.runId());
		assertThat(steps).extracting(StepRecord::stepId).containsExactly("a", "b", "c");
		assertThat(steps).allSatisfy((step) -> assertThat(step.status()).isEqualTo(StepStatus.COMPLETED));
	}

	@Test
	void failingStepIsRetriedWithoutRepeatingCompletedSteps() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/three", new Job("doc-2", 2, 0));
		RunRecord run = awaitStatus(app, "three-steps", eventId, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "a")).isOne();
		assertThat(this.cluster.probe.count(eventId, "b")).isEqualTo(3);
		assertThat(this.cluster.probe.count(eventId, "c")).isOne();
		StepRecord b = app.getBean(StepStore.class).findSteps(run.runId()).get(1);
		assertThat(b.attempts()).isEqualTo(3);
		assertThat(run.output()).isEqualTo("\"a1-b3\"");
	}

	@Test
	void exhaustedRetriesMakeADeadLetterThatReplaysFromTheFailedStep() throws Exception {
		ConfigurableApplicationContext app = this.cluster.start();
		String deadLetterTopic = app.getBean(TopicNames.class).deadLetters();
		String eventId = publisher(app).send("test/flaky", Job.simple("doc-3"));
		RunRecord failed = awaitStatus(app, "flaky", eventId, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(eventId, "a")).isOne();
		assertThat(this.cluster.probe.count(eventId, "b")).isEqualTo(3);
		assertThat(this.cluster.probe.count(eventId, "c")).isZero();
		DeadLetterRecord deadLetter = app.getBean(DeadLetterStore.class).find(failed.runId());
		assertThat(deadLetter).isNotNull();
		assertThat(deadLetter.stepId()).isEqualTo("b");
		assertThat(deadLetter.error()).contains("Downstream service unavailable");
		List<ConsumerRecord<String, byte[]>> published = consumeAll(deadLetterTopic, 1);
		assertThat(published).anySatisfy((record) -> {
			assertThat(record.key()).isEqualTo(failed.runId());
			assertThat(new String(record.value())).contains("\"stepId\":\"b\"").contains("flaky");
		});

		this.cluster.probe.fix(eventId);
		assertThat(app.getBean(RunOperations.class).replay(failed.runId())).isEqualTo(RunStatus.QUEUED);
		RunRecord completed = awaitStatus(app, "flaky", eventId, RunStatus.COMPLETED);
		assertThat(completed.output()).isEqualTo("\"recovered\"");
		assertThat(this.cluster.probe.count(eventId, "a")).isOne();
		assertThat(this.cluster.probe.count(eventId, "b")).isEqualTo(4);
		assertThat(this.cluster.probe.count(eventId, "c")).isOne();
		assertThat(app.getBean(DeadLetterStore.class).find(failed.runId())).isNull();
	}

	@Test
	void sameEventIdTwiceStartsOneRunPerFunction() {
		ConfigurableApplicationContext app = this.cluster.start();
		Event<Job> event = Event.of("test/three", Job.simple("doc-4")).withId("order-42");
		publisher(app).send(event);
		publisher(app).send(event);
		awaitStatus(app, "three-steps", "order-42", RunStatus.COMPLETED);
		String marker = publisher(app).send("test/three", Job.simple("marker"));
		awaitStatus(app, "three-steps", marker, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count("order-42", "a")).isOne();
		assertThat(runsOf(app, "three-steps")).filteredOn((run) -> run.eventId().equals("order-42")).hasSize(1);
	}

	@Test
	void oneEventRunsEveryFunctionListeningToIt() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/fanout", Job.simple("doc-5"));
		awaitStatus(app, "fan-a", eventId, RunStatus.COMPLETED);
		awaitStatus(app, "fan-b", eventId, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "fan-a")).isOne();
		assertThat(this.cluster.probe.count(eventId, "fan-b")).isOne();
	}

	@Test
	void stepLongerThanMaxPollIntervalRunsOnceWithoutRedelivery() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/slow", new Job("doc-6", 0, 7_000));
		RunRecord run = awaitStatus(app, "slow", eventId, RunStatus.COMPLETED);
		String after = publisher(app).send("test/slow", new Job("doc-7", 0, 0));
		awaitStatus(app, "slow", after, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "slow")).isOne();
		assertThat(run.attempt()).isOne();
		assertThat(runsOf(app, "slow")).hasSize(2);
	}

	@Test
	void twoInstancesShareTwoThousandEventsAndRunEachStepOnce() throws Exception {
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		int events = 2_000;
		long startNanos = System.nanoTime();
		ExecutorService senders = Executors.newFixedThreadPool(8);
		List<Future<String>> sent = new ArrayList<>();
		for (int i = 0; i < events; i++) {
			EventPublisher publisher = publisher((i % 2 == 0) ? first : second);
			Job job = Job.simple("bulk-" + i);
			sent.add(senders.submit(() -> publisher.send("test/bulk", job)));
		}
		List<String> ids = new ArrayList<>();
		for (Future<String> future : sent) {
			ids.add(future.get());
		}
		senders.shutdown();
		RunStore runs = first.getBean(RunStore.class);
		await().atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> runs.countByStatus().getOrDefault(RunStatus.COMPLETED, 0L) >= events);
		System.out.printf("%d events (3 steps each) on two instances: all completed %d ms after the first send%n",
				events, Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
		assertThat(runs.countByStatus()).containsEntry(RunStatus.COMPLETED, (long) events).hasSize(1);
		for (String id : ids) {
			assertThat(this.cluster.probe.count(id, "one")).as("step one of %s", id).isOne();
			assertThat(this.cluster.probe.count(id, "two")).as("step two of %s", id).isOne();
			assertThat(this.cluster.probe.count(id, "three")).as("step three of %s", id).isOne();
		}
		assertThat(this.cluster.probe.instancesThatRan("bulk")).containsExactlyInAnyOrder(instanceId(first),
				instanceId(second));
	}

	@Test
	void runOfADeadInstanceIsResumedByAnotherFromItsLastCheckpoint() throws Exception {
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		// Only the first instance consumes, so the run starts there.
		second.getBean(FunctionConsumers.class).stop();
		this.cluster.probe.blockOn(instanceId(first));
		String eventId = publisher(first).send("test/blocking", Job.simple("doc-8"));
		this.cluster.probe.awaitBlocked();
		// The first instance dies mid-step: no heartbeat, no polling, its worker stuck.
		first.getBean(EngineLifecycle.class).halt();
		RunRecord run = awaitStatus(second, "blocking", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"done on " + instanceId(second) + "\"");
		assertThat(this.cluster.probe.count(eventId, "first")).isOne();
		assertThat(this.cluster.probe.count(eventId, "second")).isEqualTo(2);
		assertThat(this.cluster.probe.count(eventId, "third")).isOne();
		// The stale worker wakes up: its checkpoint is fenced off and changes nothing.
		this.cluster.probe.release();
		Thread.sleep(500);
		RunRecord after = second.getBean(RunStore.class).find(run.runId());
		assertThat(after.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(after.output()).isEqualTo(run.output());
		assertThat(this.cluster.probe.count(eventId, "third")).isOne();
	}

	@Test
	void gracefulStopKeepsRenewingLeasesWhileItsRunsFinish() throws Exception {
		this.cluster.with("background-jobs.lease.duration", "2s")
			.with("background-jobs.lease.heartbeat-interval", "500ms")
			.with("background-jobs.poller.interval", "100ms")
			.with("background-jobs.shutdown-timeout", "30s");
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		second.getBean(FunctionConsumers.class).stop();
		String eventId = publisher(first).send("test/slow", new Job("doc-10", 0, 6_000));
		await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(eventId, "slow") == 1);
		// Draining takes three leases: the second instance must not take the run over.
		first.close();
		RunRecord run = awaitStatus(second, "slow", eventId, RunStatus.COMPLETED);
		assertThat(run.version()).isOne();
		assertThat(this.cluster.probe.count(eventId, "slow")).isOne();
	}

	@Test
	void cleanShutdownHandsUnfinishedRunsOverAtOnce() throws Exception {
		this.cluster.with("background-jobs.lease.duration", "5m").with("background-jobs.shutdown-timeout", "200ms");
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		second.getBean(FunctionConsumers.class).stop();
		this.cluster.probe.blockOn(instanceId(first));
		String eventId = publisher(first).send("test/blocking", Job.simple("doc-9"));
		this.cluster.probe.awaitBlocked();
		first.close();
		// The lease lasts five minutes: only the release at shutdown lets the run move
		// now.
		RunRecord run = awaitStatus(second, "blocking", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"done on " + instanceId(second) + "\"");
		assertThat(this.cluster.probe.count(eventId, "first")).isOne();
		assertThat(this.cluster.probe.count(eventId, "third")).isOne();
	}

	@Test
	void poisonRecordBecomesADeadLetterAndLaterRecordsAreProcessed() throws Exception {
		ConfigurableApplicationContext app = this.cluster.start();
		String topic = app.getBean(TopicNames.class).forEvent("test/three");
		try (KafkaProducer<String, byte[]> producer = RawRecords.producer()) {
			ProducerRecord<String, byte[]> poison = new ProducerRecord<>(topic, 0, "poison-key",
					"{not json".getBytes());
			poison.headers().add(EventHeaders.ID, "poison-1".getBytes());
			poison.headers().add(EventHeaders.NAME, "test/three".getBytes());
			producer.send(poison).get();
		}
		String eventId = publisher(app).send(Event.of("test/three", Job.simple("after-poison")));
		awaitStatus(app, "three-steps", eventId, RunStatus.COMPLETED);
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		await().atMost(TIMEOUT).until(() -> deadLetters.count() == 1);
		DeadLetterRecord poison = deadLetters.findAll(10).get(0);
		assertThat(poison.runId()).isNull();
		assertThat(poison.rawValue()).isEqualTo("{not json".getBytes());
		assertThat(poison.rawKey()).isEqualTo("poison-key".getBytes());
		assertThat(poison.topic()).isEqualTo(topic);
		assertThat(poison.error()).contains("not JSON");
	}

	@Test
	void badInputToSendFailsWithAClearErrorAndSendsNothing() {
		this.cluster.with("background-jobs.max-payload-size", "1KB");
		ConfigurableApplicationContext app = this.cluster.start();
		EventPublisher events = publisher(app);
		assertThatIllegalArgumentException().isThrownBy(() -> events.send(" ", Job.simple("x")))
			.withMessageContaining("name");
		assertThatIllegalArgumentException().isThrownBy(() -> events.send("test/three", null))
			.withMessageContaining("test/three");
		assertThatIllegalArgumentException().isThrownBy(() -> events.send("test/three", new Unserialisable()))
			.withMessageContaining("Cannot serialise data of event 'test/three'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> events.send("test/three", new Job("x".repeat(2_000), 0, 0)))
			.withMessageContaining("over the limit of 1024")
			.withMessageContaining("background-jobs.max-payload-size");
		String marker = events.send("test/three", Job.simple("after-bad-input"));
		awaitStatus(app, "three-steps", marker, RunStatus.COMPLETED);
		assertThat(runsOf(app, "three-steps")).extracting(RunRecord::eventId).containsExactly(marker);
	}

	@Test
	void sendAllPublishesEveryEventAndSendingTheSameBatchAgainStartsNoOtherRun() {
		ConfigurableApplicationContext app = this.cluster.start();
		EventPublisher events = publisher(app);
		List<Event<Job>> batch = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			batch.add(Event.of("test/three", Job.simple("batch-" + i)).withId("batch-" + i));
		}
		// An event nobody listens to yet: its topic is created on the way.
		batch.add(Event.of("test/batch-unheard", Job.simple("unheard")).withId("batch-unheard"));
		List<String> expectedIds = batch.stream().map(Event::id).toList();
		assertThat(events.sendAll(batch)).containsExactlyElementsOf(expectedIds);
		await().atMost(TIMEOUT)
			.until(() -> runsOf(app, "three-steps").stream()
				.filter((run) -> run.status() == RunStatus.COMPLETED)
				.count() == 40);
		assertThat(events.sendAll(batch)).containsExactlyElementsOf(expectedIds);
		String marker = events.send("test/three", Job.simple("after-batches"));
		awaitStatus(app, "three-steps", marker, RunStatus.COMPLETED);
		assertThat(runsOf(app, "three-steps")).hasSize(41);
		assertThat(this.cluster.probe.count("batch-7", "a")).isOne();
	}

	@Test
	void sendAllWithOneBadEventFailsNamingItAndSendsNothing() {
		this.cluster.with("background-jobs.max-payload-size", "1KB");
		ConfigurableApplicationContext app = this.cluster.start();
		EventPublisher events = publisher(app);
		List<Event<Job>> batch = List.of(Event.of("test/three", Job.simple("good")).withId("good-in-bad-batch"),
				Event.of("test/three", new Job("x".repeat(2_000), 0, 0)).withId("too-large"));
		assertThatIllegalArgumentException().isThrownBy(() -> events.sendAll(batch))
			.withMessageContaining("test/three")
			.withMessageContaining("over the limit of 1024");
		assertThatIllegalArgumentException().isThrownBy(() -> events.sendAll(Arrays.asList(batch.get(0), null)))
			.withMessageContaining("Event 1 of the batch");
		String marker = events.send("test/three", Job.simple("after-bad-batch"));
		awaitStatus(app, "three-steps", marker, RunStatus.COMPLETED);
		assertThat(runsOf(app, "three-steps")).extracting(RunRecord::eventId).containsExactly(marker);
	}

	@Test
	void stepResultOverTheSizeLimitFailsThatStepNamingIt() {
		this.cluster.with("background-jobs.max-payload-size", "1KB");
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/oversized", new Job("big", 0, 5_000));
		RunRecord run = awaitStatus(app, "oversized", eventId, RunStatus.FAILED);
		DeadLetterRecord deadLetter = app.getBean(DeadLetterStore.class).find(run.runId());
		assertThat(deadLetter.stepId()).isEqualTo("large");
		assertThat(deadLetter.error()).contains("result of step 'large'").contains("over the limit of 1024");
		assertThat(app.getBean(StepStore.class).findSteps(run.runId())).extracting(StepRecord::status)
			.containsExactly(StepStatus.COMPLETED, StepStatus.FAILED);
	}

	/**
	 * A payload whose property cannot be read, so Jackson cannot serialise it.
	 */
	static final class Unserialisable {

		public String getValue() {
			throw new IllegalStateException("not readable");
		}

	}

	private static EventPublisher publisher(ConfigurableApplicationContext context) {
		return context.getBean(EventPublisher.class);
	}

	private static String instanceId(ConfigurableApplicationContext context) {
		return context.getBean(InstanceId.class).value();
	}

	private static List<RunRecord> runsOf(ConfigurableApplicationContext context, String functionId) {
		return context.getBean(RunStore.class).findRuns(new RunQuery(null, functionId, null, 10_000));
	}

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
		}
		return records;
	}

}
