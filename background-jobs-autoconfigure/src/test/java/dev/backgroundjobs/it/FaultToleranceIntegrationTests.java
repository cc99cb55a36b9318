package dev.backgroundjobs.it;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * How runs come through faults of the database and the broker, against a real Kafka
 * broker and PostgreSQL: outages never spend retries, and values the database refuses
 * never make a run retry forever.
 */
class FaultToleranceIntegrationTests {

	private TestApplication.Cluster cluster;

	@BeforeEach
	void setUp() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_faults_it"));
		this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
			.with("background-jobs.poller.interval", "100ms");
		TestApplication.Cluster.clearTables(database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void stepWhoseErrorHoldsANulCharacterFailsAfterItsRetries() {
		ConfigurableApplicationContext app = start();
		String eventId = publisher(app).send("test/nul-error", Job.simple("nul"));
		RunRecord run = awaitStatus(app, "nul-error", eventId, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(eventId, "bad")).isEqualTo(2);
		assertThat(run.error()).contains("bad\uFFFDbyte");
		DeadLetterRecord deadLetter = app.getBean(DeadLetterStore.class).find(run.runId());
		assertThat(deadLetter).isNotNull();
		assertThat(deadLetter.stepId()).isEqualTo("bad");
		assertThat(deadLetter.error()).contains("bad\uFFFDbyte");
		assertThat(app.getBean(StepStore.class).findSteps(run.runId())).singleElement().satisfies((step) -> {
			assertThat(step.status()).isEqualTo(StepStatus.FAILED);
			assertThat(step.attempts()).isEqualTo(2);
		});
	}

	@Test
	void sentEventDuringABrokerOutageWaitsForTheBrokerWithoutSpendingARetry() {
		ConfigurableApplicationContext app = start();
		FaultInjector faults = app.getBean(FaultInjector.class);
		faults.brokerDown("test/outage-announced", 3);
		String eventId = publisher(app).send("test/outage-announce", Job.simple("outage"));
		RunRecord run = awaitStatus(app, "outage-announce", eventId, RunStatus.COMPLETED);
		assertThat(faults.remainingBrokerFailures("test/outage-announced")).isZero();
		assertThat(run.handlerFailures()).isZero();
		assertThat(run.output()).isEqualTo("\"" + run.runId() + ":announce\"");
		assertThat(this.cluster.probe.count(eventId, "after")).isOne();
		assertThat(app.getBean(StepStore.class).findSteps(run.runId()))
			.extracting(StepRecord::stepId, StepRecord::attempts)
			.containsExactly(tuple("announce", 1), tuple("after", 1));
	}

	@Test
	void checkpointWhoseTransactionFailsAtBeginOrCommitIsWrittenLaterWithoutSpendingARetry() {
		ConfigurableApplicationContext app = start();
		FaultInjector faults = app.getBean(FaultInjector.class);
		String eventId = "checkpointed-1";
		String runId = NewRun.deriveRunId("checkpointed", eventId);
		faults.failCheckpoints(runId, List.of(new CannotCreateTransactionException("Simulated outage: no connection"),
				new TransactionSystemException("Simulated outage: connection lost during commit")));
		publisher(app).send(Event.of("test/checkpointed", Job.simple("checkpointed")).withId(eventId));
		RunRecord run = awaitStatus(app, "checkpointed", eventId, RunStatus.COMPLETED);
		assertThat(faults.remainingCheckpointFailures(runId)).isZero();
		assertThat(run.handlerFailures()).isZero();
		assertThat(run.output()).isEqualTo("\"done\"");
		// The step's result was kept while its checkpoint was retried: its body ran once.
		assertThat(this.cluster.probe.count(eventId, "one")).isOne();
		assertThat(app.getBean(StepStore.class).findSteps(run.runId())).singleElement()
			.satisfies((step) -> assertThat(step.attempts()).isOne());
	}

	@Test
	void lastStepIsWrittenInTheSameCheckpointAsTheRunsCompletion() {
		ConfigurableApplicationContext app = start();
		String eventId = publisher(app).send("test/checkpointed", Job.simple("one-commit"));
		RunRecord run = awaitStatus(app, "checkpointed", eventId, RunStatus.COMPLETED);
		assertThat(app.getBean(FaultInjector.class).writtenCheckpoints(run.runId())).singleElement()
			.isInstanceOfSatisfying(Checkpoint.RunCompleted.class, (completed) -> {
				assertThat(completed.output()).isEqualTo("\"done\"");
				assertThat(completed.lastStep()).isNotNull();
				assertThat(completed.lastStep().stepId()).isEqualTo("one");
			});
		assertThat(app.getBean(StepStore.class).findSteps(run.runId())).singleElement()
			.satisfies((step) -> assertThat(step.status()).isEqualTo(StepStatus.COMPLETED));
	}

	@Test
	void handlerFailingAfterACompletedStepKeepsTheStepForItsRetry() {
		ConfigurableApplicationContext app = start();
		String eventId = publisher(app).send("test/fails-after-step", new Job("fails-after-step", 1, 0));
		RunRecord run = awaitStatus(app, "fails-after-step", eventId, RunStatus.COMPLETED);
		assertThat(this.cluster.probe.count(eventId, "handler")).isEqualTo(2);
		assertThat(this.cluster.probe.count(eventId, "one")).isOne();
		assertThat(run.handlerFailures()).isOne();
		assertThat(app.getBean(FaultInjector.class).writtenCheckpoints(run.runId()))
			.extracting((checkpoint) -> checkpoint.getClass().getSimpleName())
			.containsExactly("StepSaved", "RunCompleted");
	}

	@Test
	void checkpointThatTheDatabaseRefusesForGoodFailsTheRunNamingTheStep() {
		ConfigurableApplicationContext app = start();
		String eventId = "checkpointed-2";
		String runId = NewRun.deriveRunId("checkpointed", eventId);
		app.getBean(FaultInjector.class)
			.failCheckpoints(runId,
					List.of(new DataIntegrityViolationException("Simulated value the database refuses")));
		publisher(app).send(Event.of("test/checkpointed", Job.simple("refused")).withId(eventId));
		RunRecord run = awaitStatus(app, "checkpointed", eventId, RunStatus.FAILED);
		assertThat(this.cluster.probe.count(eventId, "one")).isOne();
		DeadLetterRecord deadLetter = app.getBean(DeadLetterStore.class).find(run.runId());
		assertThat(deadLetter).isNotNull();
		assertThat(deadLetter.stepId()).isEqualTo("one");
		assertThat(deadLetter.error()).contains("Could not checkpoint step 'one'")
			.contains(run.runId())
			.contains("checkpointed")
			.contains("Simulated value the database refuses");
	}

	@Test
	void runLeasedToThisInstanceThatNoWorkerHoldsIsTakenOverWhenItsLeaseLapses() {
		ConfigurableApplicationContext app = start();
		String owner = app.getBean(InstanceId.class).value();
		// Recorded for this instance, but the answer of the insert was lost: no worker,
		// backlog entry or timer holds it. Its heartbeats must not keep it alive.
		NewRun orphan = NewRun.forEvent("checkpointed", "orphan-1", "test/checkpointed",
				"{\"key\":\"orphan\",\"failTimes\":0,\"sleepMillis\":0}", Instant.now(), null);
		app.getBean(RunStore.class).insertLeased(List.of(orphan), owner, Duration.ofSeconds(3));
		RunRecord run = awaitStatus(app, "checkpointed", "orphan-1", RunStatus.COMPLETED);
		assertThat(run.version()).isEqualTo(2);
		assertThat(this.cluster.probe.count("orphan-1", "one")).isOne();
	}

	@Test
	void stepTimeoutWhileTheDatabaseIsSlowInterruptsTheStepAndCountsAsAFailedAttempt() throws Exception {
		ConfigurableApplicationContext app = start();
		FaultInjector faults = app.getBean(FaultInjector.class);
		// Each checkpoint takes longer than the step timeout: the timeout must still
		// interrupt the hung attempt, which no database call holds up.
		faults.slowCheckpoints(Duration.ofMillis(1500));
		String key = "hang-" + UUID.randomUUID();
		String eventId = publisher(app).send("test/hanging-step", new Job(key, 0, 0));
		RunRecord run = awaitStatus(app, "hanging-step", eventId, RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("\"answered\"");
		assertThat(this.cluster.probe.count(key, "hang")).isEqualTo(2);
		assertThat(this.cluster.probe.count(key, "interrupted")).isOne();
		assertThat(app.getBean(StepStore.class).findSteps(run.runId())).singleElement().satisfies((step) -> {
			assertThat(step.status()).isEqualTo(StepStatus.COMPLETED);
			assertThat(step.attempts()).isEqualTo(2);
		});
		assertThat(faults.writtenCheckpoints(run.runId())).filteredOn(Checkpoint.StepSaved.class::isInstance)
			.map((checkpoint) -> ((Checkpoint.StepSaved) checkpoint).step())
			.filteredOn((step) -> step.status() == StepStatus.FAILED)
			.singleElement()
			.satisfies((failed) -> assertThat(failed.error()).contains("StepTimeoutException")
				.contains("Step 'hang' of function 'hanging-step' (run " + run.runId()
						+ ") did not finish within its timeout of 1s and was interrupted"));
	}

	private ConfigurableApplicationContext start() {
		return this.cluster.start(WebApplicationType.NONE, FaultConfiguration.class);
	}

	private static EventPublisher publisher(ConfigurableApplicationContext context) {
		return context.getBean(EventPublisher.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class FaultConfiguration {

		@Bean
		static FaultInjector faultInjector() {
			return new FaultInjector();
		}

		@Bean
		FaultTestFunctions faultTestFunctions(Probe probe) {
			return new FaultTestFunctions(probe);
		}

	}

}
