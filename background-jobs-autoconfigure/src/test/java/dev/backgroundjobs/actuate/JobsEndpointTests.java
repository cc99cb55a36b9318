package dev.backgroundjobs.actuate;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.actuate.JobsEndpoint.DeadLetterDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.JobsDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunSummaryDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunsDescriptor;
import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.StepStatus;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static dev.backgroundjobs.actuate.InMemoryJobs.T0;
import static dev.backgroundjobs.actuate.InMemoryJobs.cron;
import static dev.backgroundjobs.actuate.InMemoryJobs.event;
import static dev.backgroundjobs.actuate.InMemoryJobs.function;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link JobsEndpoint}.
 */
class JobsEndpointTests {

	private final InMemoryJobs jobs = new InMemoryJobs();

	private final JobsEndpoint endpoint = this.jobs.endpoint;

	@Test
	void summaryDescribesEachFunctionWithItsTriggersAndRetries() {
		this.jobs.registerFunctions(function("process-document", 3, event("api/document.uploaded")),
				function("refresh", 1, cron("0 * * * *", "UTC"), event("admin/refresh")));
		JobsDescriptor summary = this.endpoint.jobs();
		assertThat(summary.functions()).satisfiesExactly((first) -> {
			assertThat(first.id()).isEqualTo("process-document");
			assertThat(first.triggers()).containsExactly("event:api/document.uploaded");
			assertThat(first.retries()).isEqualTo(3);
		}, (second) -> {
			assertThat(second.id()).isEqualTo("refresh");
			assertThat(second.triggers()).containsExactly("cron:0 * * * * (UTC)", "event:admin/refresh");
			assertThat(second.retries()).isOne();
		});
	}

	@Test
	void summaryCountsRunsInEveryStatusIncludingThoseWithNone() {
		this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		this.jobs.addRun("a", RunStatus.COMPLETED, 2);
		this.jobs.addRun("b", RunStatus.FAILED, 3);
		JobsDescriptor summary = this.endpoint.jobs();
		assertThat(summary.runCounts()).containsOnlyKeys(RunStatus.values());
		assertThat(summary.runCounts()).containsEntry(RunStatus.COMPLETED, 2L)
			.containsEntry(RunStatus.FAILED, 1L)
			.containsEntry(RunStatus.QUEUED, 0L)
			.containsEntry(RunStatus.CANCELLED, 0L);
		assertThat(summary.runCounts().keySet()).containsExactly(RunStatus.values());
	}

	@Test
	void summaryCountsDeadLetters() {
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 1);
		this.jobs.deadLetters.add(InMemoryJobs.failedRun(failed, "fetch", "boom", 2));
		this.jobs.deadLetters.add(InMemoryJobs.poison("a", "t", new byte[] { 1 }, 3));
		assertThat(this.endpoint.jobs().deadLetterCount()).isEqualTo(2);
	}

	@Test
	void summaryOfAnEmptyApplicationHasZeros() {
		JobsDescriptor summary = this.endpoint.jobs();
		assertThat(summary.functions()).isEmpty();
		assertThat(summary.runCounts()).hasSize(RunStatus.values().length).allSatisfy((status, count) -> {
			assertThat(count).isZero();
		});
		assertThat(summary.deadLetterCount()).isZero();
	}

	@Test
	void runsAreListedNewestFirst() {
		RunRecord oldest = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		RunRecord newest = this.jobs.addRun("b", RunStatus.RUNNING, 3);
		RunRecord middle = this.jobs.addRun("a", RunStatus.QUEUED, 2);
		RunsDescriptor runs = this.endpoint.runs(null, null, 20, null);
		assertThat(runs.runs()).extracting(RunSummaryDescriptor::runId)
			.containsExactly(newest.runId(), middle.runId(), oldest.runId());
		assertThat(runs.nextBefore()).isNull();
		RunSummaryDescriptor first = runs.runs().get(0);
		assertThat(first.functionId()).isEqualTo("b");
		assertThat(first.eventName()).isEqualTo("test/event");
		assertThat(first.status()).isEqualTo(RunStatus.RUNNING);
		assertThat(first.attempt()).isOne();
		assertThat(first.createdAt()).isEqualTo(T0.plusSeconds(180));
	}

	@Test
	void runsAreFilteredByStatusAndFunction() {
		this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		RunRecord match = this.jobs.addRun("a", RunStatus.FAILED, 2);
		this.jobs.addRun("b", RunStatus.FAILED, 3);
		RunsDescriptor runs = this.endpoint.runs(RunStatus.FAILED, "a", 20, null);
		assertThat(runs.runs()).extracting(RunSummaryDescriptor::runId).containsExactly(match.runId());
	}

	@Test
	void fullPageGivesTheCursorOfTheNextPage() {
		RunRecord[] runs = new RunRecord[5];
		for (int i = 0; i < runs.length; i++) {
			runs[i] = this.jobs.addRun("a", RunStatus.COMPLETED, i);
		}
		RunsDescriptor first = this.endpoint.runs(null, null, 2, null);
		assertThat(first.runs()).extracting(RunSummaryDescriptor::runId)
			.containsExactly(runs[4].runId(), runs[3].runId());
		assertThat(first.nextBefore()).isEqualTo(runs[3].runId());
		RunsDescriptor second = this.endpoint.runs(null, null, 2, first.nextBefore());
		assertThat(second.runs()).extracting(RunSummaryDescriptor::runId)
			.containsExactly(runs[2].runId(), runs[1].runId());
		assertThat(second.nextBefore()).isEqualTo(runs[1].runId());
		RunsDescriptor last = this.endpoint.runs(null, null, 2, second.nextBefore());
		assertThat(last.runs()).extracting(RunSummaryDescriptor::runId).containsExactly(runs[0].runId());
		assertThat(last.nextBefore()).isNull();
	}

	@Test
	void pageThatHoldsTheLastRunsExactlyHasNoCursor() {
		this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		this.jobs.addRun("a", RunStatus.COMPLETED, 2);
		RunsDescriptor runs = this.endpoint.runs(null, null, 2, null);
		assertThat(runs.runs()).hasSize(2);
		assertThat(runs.nextBefore()).isNull();
	}

	@Test
	void runsAskTheStoreForOneMoreThanThePageToDetectAnotherPage() {
		this.endpoint.runs(RunStatus.QUEUED, "a", 500, "cursor");
		assertThat(this.jobs.runs.queries).singleElement().satisfies((query) -> {
			assertThat(query.status()).isEqualTo(RunStatus.QUEUED);
			assertThat(query.functionId()).isEqualTo("a");
			assertThat(query.before()).isEqualTo("cursor");
			assertThat(query.limit()).isEqualTo(501);
		});
	}

	@Test
	void limitOutsideOneToFiveHundredIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.endpoint.runs(null, null, 0, null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.endpoint.runs(null, null, 501, null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.endpoint.deadLetters(0, true));
	}

	@Test
	void runShowsItsEventOutputErrorAndStepsAsJson() {
		RunRecord run = detailedRun(RunStatus.COMPLETED, "\"Processed doc-1\"");
		this.jobs.steps.add(InMemoryJobs.step(run, "fetch", StepStatus.COMPLETED, "{\"id\":\"doc-1\"}", null, 0, 2));
		this.jobs.steps.add(InMemoryJobs.step(run, "save", StepStatus.COMPLETED, null, null, 2, 5));
		RunDescriptor descriptor = this.endpoint.run(run.runId(), true);
		assertThat(descriptor).isNotNull();
		assertThat(descriptor.runId()).isEqualTo(run.runId());
		assertThat(descriptor.functionId()).isEqualTo("process-document");
		assertThat(descriptor.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(descriptor.attempt()).isEqualTo(2);
		assertThat(descriptor.event().id()).isEqualTo("event-1");
		assertThat(descriptor.event().name()).isEqualTo("api/document.uploaded");
		assertThat(descriptor.event().data().get("documentId").asString()).isEqualTo("doc-1");
		assertThat(descriptor.event().timestamp()).isEqualTo(T0);
		assertThat(descriptor.output().asString()).isEqualTo("Processed doc-1");
		assertThat(descriptor.error()).startsWith("java.lang.IllegalStateException: boom");
		assertThat(descriptor.createdAt()).isEqualTo(T0.plusSeconds(1));
		assertThat(descriptor.startedAt()).isEqualTo(T0.plusSeconds(2));
		assertThat(descriptor.finishedAt()).isEqualTo(T0.plusSeconds(9));
		assertThat(descriptor.wakeAt()).isNull();
		assertThat(descriptor.leaseOwner()).isEqualTo("instance-1");
		assertThat(descriptor.steps()).satisfiesExactly((fetch) -> {
			assertThat(fetch.id()).isEqualTo("fetch");
			assertThat(fetch.status()).isEqualTo(StepStatus.COMPLETED);
			assertThat(fetch.attempts()).isOne();
			assertThat(fetch.output().get("id").asString()).isEqualTo("doc-1");
			assertThat(fetch.error()).isNull();
			assertThat(fetch.startedAt()).isEqualTo(T0);
			assertThat(fetch.finishedAt()).isEqualTo(T0.plusSeconds(2));
			assertThat(fetch.durationMillis()).isEqualTo(2000);
		}, (save) -> {
			assertThat(save.id()).isEqualTo("save");
			assertThat(save.output()).isNull();
			assertThat(save.durationMillis()).isEqualTo(3000);
		});
	}

	@Test
	void runSerializesWithPayloadsAsJsonTreesAndTimesAsText() {
		RunRecord run = detailedRun(RunStatus.COMPLETED, "{\"pages\":3}");
		JsonMapper mapper = JsonMapper.builder().build();
		JsonNode json = mapper.readTree(mapper.writeValueAsString(this.endpoint.run(run.runId(), true)));
		assertThat(json.get("event").get("data").get("documentId").asString()).isEqualTo("doc-1");
		assertThat(json.get("output").get("pages").asInt()).isEqualTo(3);
		assertThat(json.get("createdAt").asString()).isEqualTo("2026-03-01T10:00:01Z");
		assertThat(json.get("status").asString()).isEqualTo("COMPLETED");
		assertThat(json.get("steps").isArray()).isTrue();
	}

	@Test
	void runHidesPayloadsOutputsAndErrorsUnlessValuesAreShown() {
		RunRecord run = detailedRun(RunStatus.WAITING, "\"Processed doc-1\"");
		this.jobs.steps
			.add(InMemoryJobs.step(run, "fetch", StepStatus.FAILED, "{\"id\":\"doc-1\"}", "java.io.IOException", 0, 2));
		this.jobs.waits.add(new EventWait(run.runId(), "await-approval", "api/approved", "data.documentId", "\"doc-1\"",
				T0, T0.plusSeconds(60), null));
		RunDescriptor descriptor = this.endpoint.run(run.runId(), false);
		assertThat(descriptor.event().id()).isEqualTo("event-1");
		assertThat(descriptor.event().name()).isEqualTo("api/document.uploaded");
		assertThat(descriptor.event().data().asString()).isEqualTo("******");
		assertThat(descriptor.output().asString()).isEqualTo("******");
		assertThat(descriptor.error()).isEqualTo("******");
		assertThat(descriptor.steps()).singleElement().satisfies((step) -> {
			assertThat(step.id()).isEqualTo("fetch");
			assertThat(step.output().asString()).isEqualTo("******");
			assertThat(step.error()).isEqualTo("******");
		});
		assertThat(descriptor.awaiting()).singleElement().satisfies((wait) -> {
			assertThat(wait.matchPath()).isEqualTo("data.documentId");
			assertThat(wait.matchValue()).isEqualTo("******");
		});
	}

	@Test
	void hiddenValuesThatAreAbsentStayAbsent() {
		RunRecord run = this.jobs.addRun("a", RunStatus.QUEUED, 1);
		RunDescriptor descriptor = this.endpoint.run(run.runId(), false);
		assertThat(descriptor.output()).isNull();
		assertThat(descriptor.error()).isNull();
	}

	@Test
	void deadLettersHideErrorsAndRecordsUnlessValuesAreShown() {
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 1);
		this.jobs.deadLetters.add(InMemoryJobs.failedRun(failed, "fetch", "java.io.IOException: gone", 2));
		this.jobs.deadLetters
			.add(InMemoryJobs.poison("b", "background-jobs.test.event", "{oops".getBytes(StandardCharsets.UTF_8), 3));
		JobsEndpoint.DeadLettersDescriptor descriptor = this.endpoint.deadLetters(20, false);
		assertThat(descriptor.deadLetters()).satisfiesExactly((poison) -> {
			assertThat(poison.error()).isEqualTo("******");
			assertThat(poison.record().topic()).isEqualTo("background-jobs.test.event");
			assertThat(poison.record().key().data()).isEqualTo("******");
			assertThat(poison.record().value().data()).isEqualTo("******");
		}, (run) -> {
			assertThat(run.stepId()).isEqualTo("fetch");
			assertThat(run.error()).isEqualTo("******");
		});
	}

	@Test
	void payloadThatIsNotJsonIsShownAsText() {
		RunRecord run = detailedRun(RunStatus.COMPLETED, "not json");
		assertThat(this.endpoint.run(run.runId(), true).output().asString()).isEqualTo("not json");
	}

	@Test
	void wakeTimeIsShownForParkedRunsOnly() {
		RunRecord sleeping = detailedRun(RunStatus.SLEEPING, null);
		RunRecord waiting = detailedRun(RunStatus.WAITING, null);
		RunRecord queued = detailedRun(RunStatus.QUEUED, null);
		assertThat(this.endpoint.run(sleeping.runId(), true).wakeAt()).isEqualTo(T0.plusSeconds(60));
		assertThat(this.endpoint.run(waiting.runId(), true).wakeAt()).isEqualTo(T0.plusSeconds(60));
		assertThat(this.endpoint.run(queued.runId(), true).wakeAt()).isNull();
	}

	@Test
	void waitingRunShowsTheEventItAwaits() {
		RunRecord waiting = detailedRun(RunStatus.WAITING, null);
		this.jobs.waits.add(new EventWait(waiting.runId(), "await-approval", "api/approved", "data.documentId",
				"\"doc-1\"", T0, T0.plusSeconds(60), null));
		assertThat(this.endpoint.run(waiting.runId(), true).awaiting()).singleElement().satisfies((wait) -> {
			assertThat(wait.stepId()).isEqualTo("await-approval");
			assertThat(wait.event()).isEqualTo("api/approved");
			assertThat(wait.matchPath()).isEqualTo("data.documentId");
			assertThat(wait.timeoutAt()).isEqualTo(T0.plusSeconds(60));
		});
		RunRecord sleeping = detailedRun(RunStatus.SLEEPING, null);
		assertThat(this.endpoint.run(sleeping.runId(), true).awaiting()).isEmpty();
	}

	@Test
	void unknownRunIsNull() {
		assertThat(this.endpoint.run(UUID.randomUUID().toString(), true)).isNull();
	}

	@Test
	void deadLettersShowFailedRunsAndPoisonRecordsNewestFirst() {
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 1);
		this.jobs.deadLetters.add(InMemoryJobs.failedRun(failed, "fetch", "java.io.IOException: gone", 2));
		this.jobs.deadLetters
			.add(InMemoryJobs.poison("b", "background-jobs.test.event", "{oops".getBytes(StandardCharsets.UTF_8), 3));
		this.jobs.deadLetters
			.add(InMemoryJobs.poison("b", "background-jobs.test.event", new byte[] { (byte) 0xC3, (byte) 0x28, 0 }, 4));
		JobsEndpoint.DeadLettersDescriptor descriptor = this.endpoint.deadLetters(20, true);
		assertThat(descriptor.total()).isEqualTo(3);
		assertThat(descriptor.deadLetters()).satisfiesExactly((binary) -> {
			assertThat(binary.runId()).isNull();
			assertThat(binary.record().value().encoding()).isEqualTo("base64");
			assertThat(Base64.getDecoder().decode(binary.record().value().data())).containsExactly((byte) 0xC3,
					(byte) 0x28, 0);
		}, (text) -> {
			assertThat(text.runId()).isNull();
			assertThat(text.functionId()).isEqualTo("b");
			assertThat(text.stepId()).isNull();
			assertThat(text.error()).isEqualTo("Not valid JSON");
			assertThat(text.createdAt()).isEqualTo(T0.plusSeconds(180));
			assertThat(text.record().topic()).isEqualTo("background-jobs.test.event");
			assertThat(text.record().partition()).isEqualTo(2);
			assertThat(text.record().offset()).isEqualTo(41);
			assertThat(text.record().key().encoding()).isEqualTo("utf-8");
			assertThat(text.record().key().data()).isEqualTo("key-1");
			assertThat(text.record().value().encoding()).isEqualTo("utf-8");
			assertThat(text.record().value().data()).isEqualTo("{oops");
		}, (run) -> {
			assertThat(run.id()).isEqualTo(failed.runId());
			assertThat(run.runId()).isEqualTo(failed.runId());
			assertThat(run.functionId()).isEqualTo("a");
			assertThat(run.stepId()).isEqualTo("fetch");
			assertThat(run.error()).isEqualTo("java.io.IOException: gone");
			assertThat(run.record()).isNull();
		});
	}

	@Test
	void deadLettersAreLimited() {
		for (int i = 0; i < 3; i++) {
			this.jobs.deadLetters.add(InMemoryJobs.poison("a", "t", new byte[0], i));
		}
		JobsEndpoint.DeadLettersDescriptor descriptor = this.endpoint.deadLetters(2, true);
		assertThat(descriptor.total()).isEqualTo(3);
		assertThat(descriptor.deadLetters()).extracting(DeadLetterDescriptor::createdAt)
			.containsExactly(T0.plusSeconds(120), T0.plusSeconds(60));
	}

	@Test
	void replayAnswersTheRunsNewStatus() {
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 1);
		JobsEndpoint.RunStatusDescriptor replayed = this.endpoint.replay(failed.runId());
		assertThat(replayed).isNotNull();
		assertThat(replayed.runId()).isEqualTo(failed.runId());
		assertThat(replayed.status()).isEqualTo(RunStatus.QUEUED);
	}

	@Test
	void replayOfUnknownRunIsNull() {
		assertThat(this.endpoint.replay(UUID.randomUUID().toString())).isNull();
	}

	@Test
	void replayOfRunThatHasNotFailedIsRejected() {
		RunRecord completed = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		assertThatExceptionOfType(RunStateException.class).isThrownBy(() -> this.endpoint.replay(completed.runId()))
			.satisfies((ex) -> assertThat(ex.getStatus()).isEqualTo(RunStatus.COMPLETED));
	}

	@Test
	void cancelAnswersTheRunsNewStatus() {
		RunRecord sleeping = this.jobs.addRun("a", RunStatus.SLEEPING, 1);
		JobsEndpoint.RunStatusDescriptor cancelled = this.endpoint.cancel(sleeping.runId());
		assertThat(cancelled).isNotNull();
		assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
	}

	@Test
	void cancelOfUnknownRunIsNull() {
		assertThat(this.endpoint.cancel(UUID.randomUUID().toString())).isNull();
	}

	@Test
	void cancelOfFinishedRunIsRejected() {
		RunRecord completed = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		assertThatExceptionOfType(RunStateException.class).isThrownBy(() -> this.endpoint.cancel(completed.runId()));
	}

	private RunRecord detailedRun(RunStatus status, @Nullable String output) {
		Instant wakeAt = T0.plusSeconds(60);
		RunRecord run = new RunRecord(UUID.randomUUID().toString(), "process-document", "event-1",
				"api/document.uploaded", "{\"documentId\":\"doc-1\"}", T0, status, 2, 3, 0, "instance-1",
				T0.plusSeconds(30), wakeAt, output,
				"java.lang.IllegalStateException: boom\n\tat Example.run(Example.java:1)\n", T0.plusSeconds(1),
				T0.plusSeconds(2), T0.plusSeconds(9), null);
		this.jobs.runs.save(run);
		return run;
	}

}
