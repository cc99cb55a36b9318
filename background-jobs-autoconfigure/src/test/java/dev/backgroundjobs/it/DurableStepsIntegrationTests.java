package dev.backgroundjobs.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.InvalidEventHandlerException;
import dev.backgroundjobs.jdbc.DatabaseDialect;
import dev.backgroundjobs.jdbc.JdbcCheckpointStore;
import dev.backgroundjobs.jdbc.JdbcRunStore;
import dev.backgroundjobs.kafka.EventHeaders;
import dev.backgroundjobs.kafka.EventWaitConsumer;
import dev.backgroundjobs.kafka.FunctionConsumers;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.RawRecords;
import dev.backgroundjobs.testsupport.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end behaviour of durable sleeps, sent events, cron triggers, invoked functions
 * and awaited events against a real Kafka broker and PostgreSQL.
 */
class DurableStepsIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private TestApplication.Cluster cluster;

	private TestDatabases.ConnectionSettings database;

	@BeforeEach
	void setUp() {
		this.database = TestDatabases.settings(TestDatabases.postgres("bj_durable_it"));
		this.cluster = new TestApplication.Cluster(this.database.url(), this.database.username(),
				this.database.password())
			.with("test.durable-functions", "true")
			.with("background-jobs.poller.interval", "100ms");
		TestApplication.Cluster.clearTables(this.database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void sleepSurvivesARestartOfTheOnlyInstanceWithoutRepeatingEarlierSteps() {
		ConfigurableApplicationContext first = this.cluster.start();
		String eventId = publisher(first).send("test/nap", Nap.forMillis(4_000));
		RunRecord sleeping = awaitStatus(first, "nap", eventId, RunStatus.SLEEPING);
		assertThat(sleeping.wakeAt()).isNotNull();
		assertThat(this.cluster.probe.count(eventId, "before")).isOne();
		assertThat(this.cluster.probe.count(eventId, "after")).isZero();
		first.close();
		ConfigurableApplicationContext second = this.cluster.start();
		RunRecord completed = awaitStatus(second, "nap", eventId, RunStatus.COMPLETED);
		assertThat(completed.output()).isEqualTo("\"rested\"");
		assertThat(completed.finishedAt()).isAfterOrEqualTo(sleeping.wakeAt());
		assertThat(this.cluster.probe.count(eventId, "before")).isOne();
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
		List<StepRecord> steps = second.getBean(StepStore.class).findSteps(completed.runId());
		assertThat(steps).extracting(StepRecord::stepId).containsExactly("before", "sleep", "after");
	}

	@Test
	void sleepUntilResumesAtTheGivenTimeAndAPastTimeDoesNotPark() {
		ConfigurableApplicationContext app = this.cluster.start();
		// Consumers join their groups in the background, and a first send may wait for
		// metadata: the wake time must still lie ahead when the run first executes.
		await().atMost(TIMEOUT)
			.until(() -> app.getBean(FunctionConsumers.class)
				.containers()
				.stream()
				.allMatch((container) -> !container.getAssignedPartitions().isEmpty()));
		Instant wakeAt = Instant.now().plusSeconds(8);
		String future = publisher(app).send("test/nap", Nap.until(wakeAt));
		String past = publisher(app).send("test/nap", Nap.until(Instant.now().minusSeconds(60)));
		RunRecord pastRun = awaitStatus(app, "nap", past, RunStatus.COMPLETED);
		RunRecord futureRun = awaitStatus(app, "nap", future, RunStatus.COMPLETED);
		assertThat(pastRun.attempt()).isOne();
		assertThat(futureRun.attempt()).isEqualTo(2);
		assertThat(futureRun.finishedAt()).isAfterOrEqualTo(wakeAt);
		assertThat(this.cluster.probe.count(future, "before")).isOne();
		assertThat(this.cluster.probe.count(future, "after")).isOne();
	}

	@Test
	void fiveThousandSleepingRunsHoldNoThreadsAndAllComplete() throws Exception {
		ConfigurableApplicationContext app = this.cluster.with("test.mutable-clock", "true").start();
		RunStore runs = app.getBean(RunStore.class);
		String topic = app.getBean(TopicNames.class).forEvent("test/nap");
		// Warm up: every worker thread (one per run handed over, up to the concurrency
		// of 256) and client thread exists before the baseline.
		int warmUp = 300;
		publishNaps(topic, warmUp, Instant.now().minusSeconds(1));
		await().atMost(TIMEOUT).until(() -> completed(runs) == warmUp);
		int baseline = threadsOtherThanWorkers();
		int sleepers = 5_000;
		publishNaps(topic, sleepers, Instant.now().plus(Duration.ofHours(1)));
		await().atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> runs.countByStatus().getOrDefault(RunStatus.SLEEPING, 0L) == sleepers);
		// Worker threads come and go with the load and end when idle; no other thread
		// is added for the sleepers.
		int whileSleeping = threadsOtherThanWorkers();
		assertThat(whileSleeping).isLessThanOrEqualTo(baseline + 5);
		// An hour passes, for the engine's clock and for the database's wake times.
		app.getBean(MutableClock.class).advance(Duration.ofHours(1));
		JdbcClient.create(this.database.dataSource())
			.sql("UPDATE bj_runs SET wake_at = CURRENT_TIMESTAMP WHERE status = 'SLEEPING'")
			.update();
		await().atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> completed(runs) == warmUp + sleepers);
		assertThat(runs.countByStatus()).containsOnlyKeys(RunStatus.COMPLETED);
		assertThat(this.cluster.probe.completedRuns()).hasSize(warmUp + sleepers).doesNotHaveDuplicates();
	}

	@Test
	void sentEventIsPublishedOnceAlthoughTheRunIsRetried() {
		ConfigurableApplicationContext app = this.cluster.start();
		String topic = app.getBean(TopicNames.class).forEvent("test/announced");
		String eventId = publisher(app).send("test/announce", new Job("news", 2, 0));
		RunRecord run = awaitStatus(app, "announce", eventId, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "flaky")).isEqualTo(3);
		assertThat(this.cluster.probe.count(eventId, "handler")).isEqualTo(2);
		assertThat(run.attempt()).isEqualTo(2);
		String sentId = run.runId() + ":announce";
		assertThat(run.output()).isEqualTo("\"" + sentId + "\"");
		awaitStatus(app, "announced", sentId, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "announced")).isOne();
		List<ConsumerRecord<String, byte[]>> records = consumeAll(topic, Duration.ofSeconds(2));
		assertThat(records).extracting(ConsumerRecord::key).containsExactly(sentId);
	}

	@Test
	void genericStepResultIsReadBackAsAListOfRecordsAfterTheRunResumes() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/line-items", Job.simple("basket"));
		RunRecord run = awaitStatus(app, "line-items", eventId, RunStatus.COMPLETED);
		assertThat(run.attempt()).isEqualTo(2);
		assertThat(this.cluster.probe.count(eventId, "load")).isOne();
		assertThat(this.cluster.probe.count(eventId, "handler")).isEqualTo(2);
		assertThat(run.output()).isEqualTo("\"LineItem x2 = 5\"");
	}

	@Test
	void nonRetryableExceptionAndANoRetryOnTypeFailTheRunAfterOneAttempt() {
		ConfigurableApplicationContext app = this.cluster.start();
		String nonRetryable = publisher(app).send("test/refusing", Job.simple("non-retryable"));
		String noRetryOn = publisher(app).send("test/refusing", Job.simple("illegal-argument"));
		String retried = publisher(app).send("test/refusing", Job.simple("illegal-state"));
		for (String eventId : List.of(nonRetryable, noRetryOn)) {
			RunRecord run = awaitStatus(app, "refusing", eventId, RunStatus.FAILED);
			assertThat(this.cluster.probe.count(eventId, "refuse")).isOne();
			assertThat(onlyStep(app, run).attempts()).isOne();
			assertThat(app.getBean(DeadLetterStore.class).find(run.runId()).error())
				.contains("failed after 1 attempt with a failure that is not retried");
		}
		RunRecord run = awaitStatus(app, "refusing", retried, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(retried, "refuse")).isEqualTo(5);
		assertThat(onlyStep(app, run).attempts()).isEqualTo(5);
	}

	@Test
	void nonRetryableExceptionOutsideAnyStepFailsTheRunAtOnce() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/refusing-handler", Job.simple("handler"));
		RunRecord run = awaitStatus(app, "refusing-handler", eventId, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(eventId, "handler")).isOne();
		assertThat(run.attempt()).isOne();
		assertThat(app.getBean(DeadLetterStore.class).find(run.runId()).error())
			.contains("Simulated refusal outside any step");
	}

	@Test
	void stepPolicyWithTwoAttemptsFailsAfterTwoWhileTheFunctionAllowsSix() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/step-policy", Job.simple("twice"));
		RunRecord run = awaitStatus(app, "step-policy", eventId, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(eventId, "twice")).isEqualTo(2);
		assertThat(onlyStep(app, run).attempts()).isEqualTo(2);
	}

	@Test
	void retryAfterExceptionParksTheRunForExactlyItsDelay() {
		ConfigurableApplicationContext app = this.cluster.start();
		Duration retryAfter = Duration.ofSeconds(20);
		String eventId = publisher(app).send("test/rate-limited", new Job("api", 0, retryAfter.toMillis()));
		RunRecord parked = awaitStatus(app, "rate-limited", eventId, RunStatus.SLEEPING);
		StepRecord failed = onlyStep(app, parked);
		assertThat(failed.status()).isEqualTo(StepStatus.FAILED);
		assertThat(failed.attempts()).isOne();
		// Neither the function's backoff (an hour, jittered by half) nor a jitter: the
		// wake time is the failed attempt's end plus the delay, give or take the time to
		// park and the clock offset between the engine and the database.
		assertThat(Duration.between(failed.finishedAt(), parked.wakeAt())).isBetween(retryAfter.minusMillis(500),
				retryAfter.plusSeconds(1));
		JdbcClient.create(this.database.dataSource())
			.sql("UPDATE bj_runs SET wake_at = CURRENT_TIMESTAMP WHERE run_id = ?")
			.param(parked.runId())
			.update();
		RunRecord completed = awaitStatus(app, "rate-limited", eventId, RunStatus.COMPLETED);
		assertThat(completed.output()).isEqualTo("\"called\"");
		assertThat(onlyStep(app, completed).attempts()).isEqualTo(2);
	}

	@Test
	void resilience4jRetryInstanceGivesTheAttemptsAndIgnoredExceptions() {
		ConfigurableApplicationContext app = this.cluster.start();
		String retried = publisher(app).send("test/resilience4j", Job.simple("io"));
		String ignored = publisher(app).send("test/resilience4j", Job.simple("illegal-argument"));
		RunRecord retriedRun = awaitStatus(app, "resilience4j", retried, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(retried, "remote")).isEqualTo(3);
		assertThat(onlyStep(app, retriedRun).attempts()).isEqualTo(3);
		RunRecord ignoredRun = awaitStatus(app, "resilience4j", ignored, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(ignored, "remote")).isOne();
		assertThat(onlyStep(app, ignoredRun).attempts()).isOne();
	}

	private static StepRecord onlyStep(ConfigurableApplicationContext app, RunRecord run) {
		List<StepRecord> steps = app.getBean(StepStore.class).findSteps(run.runId());
		assertThat(steps).hasSize(1);
		return steps.get(0);
	}

	@Test
	void invokeReturnsTheCalleesOutputToTheParkedCaller() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/caller", new Job("question-1", 0, 1_000));
		RunRecord caller = awaitStatus(app, "caller", eventId, RunStatus.COMPLETED);
		assertThat(caller.output()).isEqualTo("\"caller got answer for question-1\"");
		assertThat(caller.attempt()).isEqualTo(2);
		RunRecord callee = app.getBean(RunStore.class)
			.find(NewRun.deriveRunId("callee", "invoke:" + caller.runId() + ":call"));
		assertThat(callee).isNotNull();
		assertThat(callee.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(callee.eventName()).isEqualTo("invoke/callee");
		assertThat(this.cluster.probe.count(eventId, "before")).isOne();
		assertThat(this.cluster.probe.count("question-1", "callee")).isOne();
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
		assertThat(app.getBean(StepStore.class).findSteps(caller.runId())).extracting(StepRecord::stepId)
			.containsExactly("before", "call", "after");
	}

	@Test
	void failureHandlerRunsDurablyOncePerFailedRunEvenWhenTheReplayFailsAgain() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/fragile", Job.simple("doc-7"));
		RunRecord failed = awaitStatus(app, "fragile", eventId, RunStatus.FAILED);
		String handlerEventId = "failure:" + failed.runId();
		RunRecord handled = awaitStatus(app, "fragile.on-failure", handlerEventId, RunStatus.COMPLETED);
		assertThat(handled.eventName()).isEqualTo("background-jobs/function.failed");
		assertThat(handled.output()).isEqualTo("\"fragile|" + failed.runId() + "|work|doc-7|test/fragile|"
				+ failed.error().lines().findFirst().orElseThrow() + "\"");
		assertThat(failed.error()).contains("Cannot process doc-7");
		// Its step failed once and was retried: the handler is a durable run.
		assertThat(this.cluster.probe.count(eventId, "notify")).isEqualTo(2);
		assertThat(app.getBean(StepStore.class).findSteps(handled.runId()))
			.extracting(StepRecord::stepId, StepRecord::attempts)
			.containsExactly(tuple("notify", 2));
		app.getBean(RunOperations.class).replay(failed.runId());
		RunRecord failedAgain = awaitStatus(app, "fragile", eventId, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(eventId, "work")).isEqualTo(2);
		assertThat(failedAgain.version()).isGreaterThan(failed.version());
		// The handler's run is recorded in the failure's transaction: none was added.
		assertThat(app.getBean(RunStore.class).findRuns(new RunQuery(null, "fragile.on-failure", null, 10)))
			.extracting(RunRecord::runId)
			.containsExactly(handled.runId());
		assertThat(this.cluster.probe.count(eventId, "failure-handled")).isOne();
		assertThat(app.getBean(DeadLetterStore.class).find(failed.runId())).isNotNull();
	}

	@Test
	void failingCalleeFailsTheCallersStep() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/caller", new Job("question-2", 1, 0));
		RunRecord caller = awaitStatus(app, "caller", eventId, RunStatus.FAILED);
		DeadLetterRecord deadLetter = app.getBean(DeadLetterStore.class).find(caller.runId());
		assertThat(deadLetter).isNotNull();
		assertThat(deadLetter.stepId()).isEqualTo("call");
		assertThat(deadLetter.error()).contains("Invoked function 'callee'")
			.contains("Callee cannot handle question-2");
		assertThat(this.cluster.probe.count(eventId, "after")).isZero();
	}

	@Test
	void parallelBranchesRunAtOnceAndEachIsCheckpointed() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/fan-out", new Job("together", 0, 0));
		RunRecord run = awaitStatus(app, "fan-out", eventId, RunStatus.COMPLETED);
		// Each branch waits in Probe.meet until the other has arrived: both were in
		// flight.
		assertThat(run.output()).isEqualTo("\"left-1,right-1\"");
		List<StepRecord> steps = app.getBean(StepStore.class).findSteps(run.runId());
		assertThat(steps).extracting(StepRecord::stepId)
			.containsExactlyInAnyOrder("fetch/left", "fetch/right", "after");
		assertThat(steps).allSatisfy((step) -> {
			assertThat(step.status()).isEqualTo(StepStatus.COMPLETED);
			assertThat(step.attempts()).isOne();
		});
		assertThat(steps).filteredOn((step) -> step.stepId().equals("fetch/left"))
			.singleElement()
			.satisfies((step) -> assertThat(step.output()).isEqualTo("\"left-1\""));
	}

	@Test
	void parkedParallelStepResumesOnlyTheFailedBranchWithTheSameResults() {
		// Every retry backoff parks the run, so the retry is a new execution.
		ConfigurableApplicationContext app = this.cluster.with("background-jobs.retry.park-threshold", "0s").start();
		String eventId = publisher(app).send("test/fan-out", new Job("resumed", 1, 0));
		RunRecord run = awaitStatus(app, "fan-out", eventId, RunStatus.COMPLETED);
		assertThat(run.attempt()).isEqualTo(2);
		// The left branch's result is the stored one: it ran once.
		assertThat(run.output()).isEqualTo("\"left-1,right-2\"");
		assertThat(this.cluster.probe.count(eventId, "left")).isOne();
		assertThat(this.cluster.probe.count(eventId, "right")).isEqualTo(2);
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
		assertThat(app.getBean(StepStore.class).findSteps(run.runId()))
			.filteredOn((step) -> step.stepId().equals("fetch/right"))
			.singleElement()
			.satisfies((step) -> assertThat(step.attempts()).isEqualTo(2));
	}

	@Test
	void stepCalledInsideABranchOrFromAnotherThreadFailsTheRunWithAClearError() {
		ConfigurableApplicationContext app = this.cluster.start();
		String nested = publisher(app).send("test/misuse", Job.simple("nested"));
		String foreign = publisher(app).send("test/misuse", Job.simple("foreign"));
		RunRecord nestedRun = awaitStatus(app, "misuse", nested, RunStatus.FAILED);
		RunRecord foreignRun = awaitStatus(app, "misuse", foreign, RunStatus.FAILED);
		DeadLetterStore deadLetters = app.getBean(DeadLetterStore.class);
		DeadLetterRecord nestedFailure = deadLetters.find(nestedRun.runId());
		assertThat(nestedFailure).isNotNull();
		assertThat(nestedFailure.stepId()).isEqualTo("outer/inner");
		assertThat(nestedFailure.error()).contains("Step 'nested' of run " + nestedRun.runId())
			.contains("is nested in branch 'outer/inner' of a parallel step");
		DeadLetterRecord foreignFailure = deadLetters.find(foreignRun.runId());
		assertThat(foreignFailure).isNotNull();
		assertThat(foreignFailure.error()).contains("Step 'foreign' of run " + foreignRun.runId())
			.contains("was called from another thread");
		assertThat(this.cluster.probe.count(nested, "nested")).isZero();
		assertThat(this.cluster.probe.count(foreign, "foreign")).isZero();
		assertThat(app.getBean(StepStore.class).findSteps(nestedRun.runId())).extracting(StepRecord::stepId)
			.containsExactly("outer/inner");
	}

	@Test
	void matchingEventResumesTheWaitingRunWithItsDataAndOthersDoNot() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = publisher(app).send("test/review-requested", new Review("doc-1", 60_000));
		RunRecord waiting = awaitStatus(app, "await-approval", eventId, RunStatus.WAITING);
		assertThat(waiting.wakeAt()).isAfter(Instant.now().plusSeconds(30));
		publisher(app).send("test/approved", new Approval("doc-2", "mallory"));
		publisher(app).send("test/approved", new Approval("doc-1", "alice"));
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"approved by alice\"");
		assertThat(run.attempt()).isEqualTo(2);
		assertThat(this.cluster.probe.count(eventId, "before")).isOne();
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
	}

	@Test
	void eventWaitConsumerReadsOnlyWhileARunWaitsAndMissesNoEventAroundItsStart() throws InterruptedException {
		ConfigurableApplicationContext app = this.cluster.with("background-jobs.kafka.event-wait-idle-timeout", "1s")
			.start();
		EventWaitConsumer consumer = app.getBean(EventWaitConsumer.class);
		publisher(app).send("test/approved", new Approval("doc-0", "nobody waits"));
		Thread.sleep(1_500);
		assertThat(consumer.isConsuming()).isFalse();
		for (String document : List.of("doc-5", "doc-6")) {
			String eventId = publisher(app).send("test/review-requested", new Review(document, 60_000));
			awaitStatus(app, "await-approval", eventId, RunStatus.WAITING);
			// Published at once: the consumer may not have started yet.
			publisher(app).send("test/approved", new Approval(document, "bob"));
			RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
			assertThat(run.output()).isEqualTo("\"approved by bob\"");
			awaitConsuming(consumer, false);
		}
	}

	private static void awaitConsuming(EventWaitConsumer consumer, boolean consuming) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (consumer.isConsuming() != consuming) {
			assertThat(System.nanoTime()).as("event-wait consumer consuming = " + consuming).isLessThan(deadline);
			Thread.sleep(50);
		}
	}

	@Test
	void waitThatTimesOutResumesWithNoEvent() {
		ConfigurableApplicationContext app = this.cluster.start();
		Instant start = Instant.now();
		String eventId = publisher(app).send("test/review-requested", new Review("doc-3", 1_500));
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"timed out\"");
		assertThat(run.finishedAt()).isAfterOrEqualTo(start.plusMillis(1_500));
	}

	@Test
	void eventSentBeforeTheDeadlineButReadAfterItStillResolvesTheWait() throws InterruptedException {
		ConfigurableApplicationContext app = this.cluster.start();
		EventWaitConsumer consumer = app.getBean(EventWaitConsumer.class);
		String eventId = publisher(app).send("test/review-requested", new Review("doc-7", 3_000));
		awaitStatus(app, "await-approval", eventId, RunStatus.WAITING);
		// The reader lags, as during a database outage: the approval reaches the broker
		// in time but is read only after the deadline.
		consumer.stop();
		publisher(app).send("test/approved", new Approval("doc-7", "carol"));
		Thread.sleep(4_000);
		assertThat(runsOf(app, "await-approval")).singleElement()
			.satisfies((run) -> assertThat(run.status()).isNotEqualTo(RunStatus.COMPLETED));
		consumer.start();
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"approved by carol\"");
	}

	@Test
	void eventSentBeforeTheWaitBeganDoesNotMatch() {
		ConfigurableApplicationContext app = this.cluster.start();
		publisher(app).send("test/approved", new Approval("doc-4", "early-bird"));
		String eventId = publisher(app).send("test/review-requested", new Review("doc-4", 6_000));
		RunRecord run = awaitStatus(app, "await-approval", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"timed out\"");
	}

	@Test
	void cronRunsExactlyOncePerTickAcrossTwoInstances() throws Exception {
		this.cluster.with("test.cron-functions", "true");
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		Thread.sleep(6_000);
		List<RunRecord> runs = runsOf(first, "every-second");
		assertThat(runs).hasSizeGreaterThanOrEqualTo(4);
		for (RunRecord run : runs) {
			awaitStatus(second, "every-second", run.eventId(), RunStatus.COMPLETED);
		}
		List<Instant> ticks = runs.stream().map(RunRecord::eventTime).sorted().toList();
		for (int i = 1; i < ticks.size(); i++) {
			assertThat(Duration.between(ticks.get(i - 1), ticks.get(i))).isEqualTo(Duration.ofSeconds(1));
		}
		for (RunRecord run : runs) {
			assertThat(run.eventId()).isEqualTo("cron:every-second:" + run.eventTime());
			assertThat(run.eventName()).isEqualTo("cron/every-second");
			assertThat(this.cluster.probe.count(run.eventTime().toString(), "every-second")).isOne();
		}
	}

	@Test
	void missedCronTicksRunOnceAtStartUp() {
		this.cluster.with("test.cron-functions", "true");
		this.cluster.start().close();
		Instant lastRun = recordPastHourlyRun();
		ConfigurableApplicationContext app = this.cluster.start();
		Instant latestTick = Instant.now().truncatedTo(ChronoUnit.HOURS);
		RunRecord catchUp = awaitStatus(app, "hourly", "cron:hourly:" + latestTick, RunStatus.COMPLETED);
		assertThat(catchUp.eventTime()).isEqualTo(latestTick);
		assertThat(this.cluster.probe.count(latestTick.toString(), "hourly")).isOne();
		assertThat(runsOf(app, "hourly")).extracting(RunRecord::eventTime)
			.containsExactlyInAnyOrder(lastRun, latestTick);
	}

	@Test
	void missedCronTicksCanBeSkipped() {
		this.cluster.with("test.cron-functions", "true").with("background-jobs.cron.missed-ticks", "skip");
		this.cluster.start().close();
		Instant lastRun = recordPastHourlyRun();
		ConfigurableApplicationContext app = this.cluster.start();
		await().atMost(TIMEOUT).until(() -> runsOf(app, "every-second").size() >= 2);
		assertThat(runsOf(app, "hourly")).extracting(RunRecord::eventTime).containsExactly(lastRun);
	}

	@Test
	void invalidCronOrZoneFailsStartUpNamingTheMethod() {
		this.cluster.with("test.invalid-cron-functions", "true");
		assertThatExceptionOfType(InvalidEventHandlerException.class).isThrownBy(this.cluster::start)
			.withMessageContaining("badCron")
			.withMessageContaining("not a valid cron expression")
			.withMessageContaining("badZone")
			.withMessageContaining("Mars/Olympus_Mons");
	}

	@Test
	void cancellingARunningRunOnAnotherInstanceDropsTheStepInFlightAndStartsNoLaterStep() throws Exception {
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		String key = "cancel-" + UUID.randomUUID();
		String eventId = publisher(first).send("test/cancellable", new Job(key, 0, 0));
		assertThat(this.cluster.probe.awaitArrival(key)).isTrue();
		RunRecord running = awaitStatus(first, "cancellable", eventId, RunStatus.RUNNING);
		ConfigurableApplicationContext executing = owner(running, first, second);
		ConfigurableApplicationContext other = (executing == first) ? second : first;
		// Cancelled through the instance that does not execute it; the step in flight
		// then finishes, racing the cancel to its checkpoint, and loses.
		assertThat(other.getBean(RunOperations.class).cancel(running.runId())).isEqualTo(RunStatus.CANCELLED);
		this.cluster.probe.open(key);
		await().atMost(TIMEOUT).until(() -> cancelledExecutions(executing) == 1);
		RunRecord cancelled = executing.getBean(RunStore.class).find(running.runId());
		assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
		assertThat(cancelled.finishedAt()).isNotNull();
		assertThat(cancelled.error()).isEqualTo("cancelled on request");
		assertThat(cancelled.output()).isNull();
		assertThat(cancelled.version()).isEqualTo(running.version() + 1);
		assertThat(this.cluster.probe.count(key, "slow")).isOne();
		assertThat(this.cluster.probe.count(key, "after")).isZero();
		assertThat(this.cluster.probe.count(key, "interrupted")).isZero();
		assertThat(first.getBean(StepStore.class).findSteps(running.runId())).extracting(StepRecord::stepId)
			.containsExactly("first");
		assertThat(cancelledExecutions(other)).isZero();
	}

	@Test
	void cancellingARunningRunInterruptsTheStepInFlightWhenConfigured() throws Exception {
		this.cluster.with("background-jobs.cancel.interrupt-running-step", "true");
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		String key = "interrupt-" + UUID.randomUUID();
		String eventId = publisher(first).send("test/cancellable", new Job(key, 0, 0));
		assertThat(this.cluster.probe.awaitArrival(key)).isTrue();
		RunRecord running = awaitStatus(first, "cancellable", eventId, RunStatus.RUNNING);
		ConfigurableApplicationContext executing = owner(running, first, second);
		ConfigurableApplicationContext other = (executing == first) ? second : first;
		// The gate stays shut: only the interrupt, sent by the executing instance's lease
		// heartbeat when it finds the run cancelled, ends the step.
		assertThat(other.getBean(RunOperations.class).cancel(running.runId())).isEqualTo(RunStatus.CANCELLED);
		await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(key, "interrupted") == 1);
		await().atMost(TIMEOUT).until(() -> cancelledExecutions(executing) == 1);
		assertThat(this.cluster.probe.count(key, "after")).isZero();
		assertThat(first.getBean(StepStore.class).findSteps(running.runId())).extracting(StepRecord::stepId)
			.containsExactly("first");
		assertThat(first.getBean(RunStore.class).find(running.runId()).status()).isEqualTo(RunStatus.CANCELLED);
	}

	@Test
	void cancellingARunInAParallelStepInterruptsEveryBranchWhenConfigured() throws Exception {
		this.cluster.with("background-jobs.cancel.interrupt-running-step", "true");
		ConfigurableApplicationContext app = this.cluster.start();
		String key = "fan-" + UUID.randomUUID();
		String eventId = publisher(app).send("test/cancellable-fan", new Job(key, 0, 0));
		await().atMost(TIMEOUT)
			.until(() -> this.cluster.probe.count(key, "left") == 1 && this.cluster.probe.count(key, "right") == 1);
		RunRecord running = awaitStatus(app, "cancellable-fan", eventId, RunStatus.RUNNING);
		// The gate stays shut: only the interrupts end the branches.
		assertThat(app.getBean(RunOperations.class).cancel(running.runId())).isEqualTo(RunStatus.CANCELLED);
		await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(key, "interrupted") == 2);
		await().atMost(TIMEOUT).until(() -> cancelledExecutions(app) == 1);
		assertThat(this.cluster.probe.count(key, "after")).isZero();
		assertThat(app.getBean(StepStore.class).findSteps(running.runId())).isEmpty();
		assertThat(app.getBean(RunStore.class).find(running.runId()).status()).isEqualTo(RunStatus.CANCELLED);
	}

	@Test
	void parentOfAnInvokedRunCancelledWhileRunningFailsItsInvokeStep() throws Exception {
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		String key = "child-" + UUID.randomUUID();
		String eventId = publisher(first).send("test/invoke-cancellable", new Job(key, 0, 0));
		assertThat(this.cluster.probe.awaitArrival(key)).isTrue();
		RunRecord waiting = awaitStatus(first, "invoke-cancellable", eventId, RunStatus.WAITING);
		List<RunRecord> children = runsOf(first, "cancellable");
		assertThat(children).singleElement().extracting(RunRecord::status).isEqualTo(RunStatus.RUNNING);
		RunRecord child = children.get(0);
		ConfigurableApplicationContext other = (owner(child, first, second) == first) ? second : first;
		assertThat(other.getBean(RunOperations.class).cancel(child.runId())).isEqualTo(RunStatus.CANCELLED);
		RunRecord parent = awaitStatus(first, "invoke-cancellable", eventId, RunStatus.FAILED);
		assertThat(parent.runId()).isEqualTo(waiting.runId());
		assertThat(parent.error()).contains("Step 'child'")
			.contains("Invoked function 'cancellable' (run " + child.runId() + ") cancelled: cancelled on request");
		assertThat(first.getBean(DeadLetterStore.class).find(parent.runId())).isNotNull();
		this.cluster.probe.open(key);
		assertThat(first.getBean(RunStore.class).find(child.runId()).status()).isEqualTo(RunStatus.CANCELLED);
	}

	@Test
	void finishTimeoutCancelsARunningRunAtAStepAndASleepingRunThroughTheSweep() {
		// The property overrides the annotation's hour.
		ConfigurableApplicationContext app = this.cluster
			.with("background-jobs.functions.deadline.timeouts.finish", "2s")
			.start();
		String running = "running-" + UUID.randomUUID();
		String sleeping = "sleeping-" + UUID.randomUUID();
		String runningEvent = publisher(app).send("test/deadline", new Job(running, 0, 0));
		String sleepingEvent = publisher(app).send("test/deadline", new Job(sleeping, 0, 3_600_000));
		RunRecord stopped = awaitStatus(app, "deadline", runningEvent, RunStatus.CANCELLED);
		RunRecord swept = awaitStatus(app, "deadline", sleepingEvent, RunStatus.CANCELLED);
		for (RunRecord run : List.of(stopped, swept)) {
			assertThat(run.error()).isEqualTo("cancelled: finish timeout of 2s passed");
			assertThat(run.finishedAt()).isNotNull();
			assertThat(run.output()).isNull();
		}
		assertThat(this.cluster.probe.count(running, "tick")).isPositive().isLessThan(300);
		assertThat(this.cluster.probe.count(sleeping, "tick")).isZero();
		await().atMost(TIMEOUT).until(() -> cancelledExecutions(app) == 1);
		int ticks = this.cluster.probe.count(running, "tick");
		assertThat(app.getBean(StepStore.class).findSteps(stopped.runId())).hasSizeLessThanOrEqualTo(ticks + 1);
	}

	@Test
	void startTimeoutCancelsARunThatWaitedTooLongToStart() {
		ConfigurableApplicationContext app = this.cluster.start();
		RunStore runs = app.getBean(RunStore.class);
		// Recorded for an instance that never runs them: one whose lease holds, which
		// only the sweep reaches, and one whose lease lapses, which a poller claims.
		NewRun held = NewRun.forEvent("start-limited", "held-" + UUID.randomUUID(), "test/start-limited",
				"{\"key\":\"held\",\"failTimes\":0,\"sleepMillis\":0}", Instant.now(), null);
		NewRun lapsing = NewRun.forEvent("start-limited", "lapsing-" + UUID.randomUUID(), "test/start-limited",
				"{\"key\":\"lapsing\",\"failTimes\":0,\"sleepMillis\":0}", Instant.now(), null);
		runs.insertLeased(List.of(held), "gone-instance", Duration.ofHours(1));
		runs.insertLeased(List.of(lapsing), "gone-instance", Duration.ofMillis(1500));
		JdbcClient.create(this.database.dataSource())
			.sql("UPDATE bj_runs SET status = 'QUEUED', attempt = 0, started_at = NULL WHERE function_id = 'start-limited'")
			.update();
		for (NewRun run : List.of(held, lapsing)) {
			RunRecord cancelled = awaitStatus(app, "start-limited", run.eventId(), RunStatus.CANCELLED);
			assertThat(cancelled.error()).isEqualTo("cancelled: start timeout of 1s passed");
			assertThat(cancelled.startedAt()).isNull();
		}
		assertThat(this.cluster.probe.count("held", "only")).isZero();
		assertThat(this.cluster.probe.count("lapsing", "only")).isZero();
	}

	private static ConfigurableApplicationContext owner(RunRecord run, ConfigurableApplicationContext first,
			ConfigurableApplicationContext second) {
		return first.getBean(InstanceId.class).value().equals(run.leaseOwner()) ? first : second;
	}

	private static double cancelledExecutions(ConfigurableApplicationContext context) {
		Counter counter = context.getBean(MeterRegistry.class).find("background-jobs.runs.cancelled").counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void cancelOnEventsCancelSleepingAndWaitingRunsWithTheirKeyOnEitherInstanceAndSpareOthers() {
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		String key = "order-" + UUID.randomUUID();
		String otherKey = "order-" + UUID.randomUUID();
		String document = "doc-" + UUID.randomUUID();
		String sleeping = publisher(first).send("test/cancellable-nap", new Job(key, 0, 60_000));
		String spared = publisher(second).send("test/cancellable-nap", new Job(otherKey, 0, 60_000));
		String waiting = publisher(first).send("test/review-requested", new Review(document, 60_000));
		awaitStatus(first, "cancellable-nap", sleeping, RunStatus.SLEEPING);
		RunRecord sparedRun = awaitStatus(first, "cancellable-nap", spared, RunStatus.SLEEPING);
		awaitStatus(first, "await-approval", waiting, RunStatus.WAITING);
		// A cancel of the spared run's key that is older than its triggering event, on
		// the
		// partition of the cancel that follows: read before it, so done when it is.
		String matching = UUID.randomUUID().toString();
		publisher(second).send(new Event<>(idOnPartitionOf(matching), "test/nap-cancelled", Map.of("key", otherKey),
				sparedRun.eventTime().minusSeconds(60)));
		publisher(second).send(Event.of("test/nap-cancelled", Map.of("key", key)).withId(matching));
		publisher(second).send("test/review-withdrawn", Map.of("document", document));
		awaitStatus(first, "cancellable-nap", sleeping, RunStatus.CANCELLED);
		awaitStatus(second, "await-approval", waiting, RunStatus.CANCELLED);
		assertThat(this.cluster.probe.count(key, "before")).isOne();
		assertThat(this.cluster.probe.count(key, "after")).isZero();
		assertThat(this.cluster.probe.count(waiting, "after")).isZero();
		assertThat(first.getBean(RunStore.class).find(sparedRun.runId()).status()).isEqualTo(RunStatus.SLEEPING);
	}

	@Test
	void cancelOnEventReadBeforeAnOlderTriggeringEventCancelsItsRunOnArrivalAndNoStepRuns() {
		ConfigurableApplicationContext app = this.cluster.start();
		String key = "order-" + UUID.randomUUID();
		Instant cancelledAt = Instant.now();
		publisher(app)
			.send(new Event<>(UUID.randomUUID().toString(), "test/nap-cancelled", Map.of("key", key), cancelledAt));
		JdbcClient jdbc = JdbcClient.create(this.database.dataSource());
		await().atMost(TIMEOUT)
			.until(() -> jdbc.sql("SELECT COUNT(*) FROM bj_cancellations").query(Long.class).single() == 1);
		// Triggered before the cancel, read after it: cancelled on arrival.
		String older = publisher(app).send(new Event<>(UUID.randomUUID().toString(), "test/cancellable-nap",
				new Job(key, 0, 0), cancelledAt.minusSeconds(1)));
		// Triggered after the cancel: runs.
		String newer = publisher(app).send(new Event<>(UUID.randomUUID().toString(), "test/cancellable-nap",
				new Job(key, 0, 0), cancelledAt.plusSeconds(1)));
		awaitStatus(app, "cancellable-nap", older, RunStatus.CANCELLED);
		awaitStatus(app, "cancellable-nap", newer, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(key, "before")).isOne();
		assertThat(this.cluster.probe.count(key, "after")).isOne();
		RunRecord cancelled = app.getBean(RunStore.class).find(NewRun.deriveRunId("cancellable-nap", older));
		assertThat(app.getBean(StepStore.class).findSteps(cancelled.runId())).isEmpty();
	}

	@Test
	void cancelOnEventStopsARunningRunAtItsNextStepBoundary() {
		ConfigurableApplicationContext app = this.cluster.start();
		String key = "job-" + UUID.randomUUID();
		String eventId = publisher(app).send("test/cancellable-work", Job.simple(key));
		await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(key, "work") == 1);
		assertThat(awaitStatus(app, "cancellable-work", eventId, RunStatus.RUNNING)).isNotNull();
		publisher(app).send("test/work-cancelled", Map.of("key", key));
		RunRecord cancelled = awaitStatus(app, "cancellable-work", eventId, RunStatus.CANCELLED);
		this.cluster.probe.hit(key, "go");
		await().atMost(TIMEOUT).until(() -> app.getBean(RunDispatcher.class).pool().activeCount() == 0);
		assertThat(this.cluster.probe.count(key, "after")).isZero();
		assertThat(app.getBean(StepStore.class).findSteps(cancelled.runId())).isEmpty();
		assertThat(app.getBean(RunStore.class).find(cancelled.runId()).status()).isEqualTo(RunStatus.CANCELLED);
	}

	/**
	 * Returns an event id whose records go to the same partition as those of the given
	 * id, as the producer's default partitioner places records by key.
	 */
	private static String idOnPartitionOf(String id) {
		int partition = partitionOf(id);
		while (true) {
			String candidate = UUID.randomUUID().toString();
			if (partitionOf(candidate) == partition) {
				return candidate;
			}
		}
	}

	private static int partitionOf(String key) {
		return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 4;
	}

	private Instant recordPastHourlyRun() {
		Instant tick = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
		DataSource dataSource = this.database.dataSource();
		JdbcRunStore store = new JdbcRunStore(dataSource);
		JdbcCheckpointStore checkpoints = new JdbcCheckpointStore(dataSource, DatabaseDialect.from(dataSource),
				new DataSourceTransactionManager(dataSource));
		NewRun run = NewRun.forEvent("hourly", "cron:hourly:" + tick, "cron/hourly", "{\"tick\":\"" + tick + "\"}",
				tick, null);
		assertThat(store.insertLeased(List.of(run), "gone", Duration.ofMinutes(1))).hasSize(1);
		assertThat(checkpoints.write(List.of(new Checkpoint.RunCompleted(run.runId(), 1, null)))).containsExactly(true);
		return tick;
	}

	private long completed(RunStore runs) {
		return runs.countByStatus().getOrDefault(RunStatus.COMPLETED, 0L);
	}

	private static void publishNaps(String topic, int count, Instant wakeAt) throws Exception {
		List<ProducerRecord<String, byte[]>> naps = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			String id = UUID.randomUUID().toString();
			ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, id,
					("{\"millis\":0,\"until\":\"" + wakeAt + "\"}").getBytes());
			record.headers().add(EventHeaders.ID, id.getBytes());
			record.headers().add(EventHeaders.NAME, "test/nap".getBytes());
			record.headers().add(EventHeaders.TIMESTAMP, Instant.now().toString().getBytes());
			naps.add(record);
		}
		RawRecords.sendAll(naps);
	}

	private static EventPublisher publisher(ConfigurableApplicationContext context) {
		return context.getBean(EventPublisher.class);
	}

	static List<RunRecord> runsOf(ConfigurableApplicationContext context, String functionId) {
		return context.getBean(RunStore.class).findRuns(new RunQuery(null, functionId, null, 10_000));
	}

	private static List<ConsumerRecord<String, byte[]>> consumeAll(String topic, Duration quietPeriod) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
				ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
				"earliest", ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
				ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
			consumer.subscribe(List.of(topic));
			long quietUntil = System.nanoTime() + quietPeriod.toNanos();
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while ((System.nanoTime() < quietUntil || records.isEmpty()) && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
		}
		return records;
	}

	private static int threadsOtherThanWorkers() {
		return (int) Thread.getAllStackTraces().keySet().stream().filter((thread) -> !isWorker(thread)).count();
	}

	private static int workerThreads() {
		return (int) Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(DurableStepsIntegrationTests::isWorker)
			.count();
	}

	private static boolean isWorker(Thread thread) {
		return thread.getName().startsWith("background-jobs-worker-");
	}

}
