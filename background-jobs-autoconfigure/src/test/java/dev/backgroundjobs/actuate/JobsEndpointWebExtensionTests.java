package dev.backgroundjobs.actuate;

import java.security.Principal;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.actuate.JobsEndpoint.DeadLettersDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunStatusDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunSummaryDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunsDescriptor;
import dev.backgroundjobs.actuate.JobsEndpointWebExtension.MessageDescriptor;
import dev.backgroundjobs.store.RunRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JobsEndpointWebExtension}.
 */
class JobsEndpointWebExtensionTests {

	private final InMemoryJobs jobs = new InMemoryJobs();

	private final JobsEndpointWebExtension extension = new JobsEndpointWebExtension(this.jobs.endpoint, Show.ALWAYS,
			Set.of());

	@Test
	void valuesAreShownWhenAuthorizedByDefault() {
		RunRecord run = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		JobsEndpointWebExtension extension = new JobsEndpointWebExtension(this.jobs.endpoint, Show.WHEN_AUTHORIZED,
				Set.of());
		assertThat(eventData(extension.run(SecurityContext.NONE, "runs", run.runId()))).isEqualTo("******");
		assertThat(eventData(extension.run(user("alice"), "runs", run.runId()))).isNotEqualTo("******");
	}

	@Test
	void valuesAreShownToUsersWithOneOfTheRoles() {
		RunRecord run = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		JobsEndpointWebExtension extension = new JobsEndpointWebExtension(this.jobs.endpoint, Show.WHEN_AUTHORIZED,
				Set.of("OPERATOR"));
		assertThat(eventData(extension.run(user("alice"), "runs", run.runId()))).isEqualTo("******");
		assertThat(eventData(extension.run(user("bob", "OPERATOR"), "runs", run.runId()))).isNotEqualTo("******");
	}

	@Test
	void valuesAreNeverShownWhenNever() {
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 1);
		this.jobs.deadLetters.add(InMemoryJobs.failedRun(failed, "fetch", "java.io.IOException: gone", 2));
		JobsEndpointWebExtension extension = new JobsEndpointWebExtension(this.jobs.endpoint, Show.NEVER, Set.of());
		assertThat(eventData(extension.run(user("bob", "OPERATOR"), "runs", failed.runId()))).isEqualTo("******");
		assertThat(
				((DeadLettersDescriptor) extension.list(user("bob", "OPERATOR"), "dead-letters", null, null, null, null)
					.getBody()).deadLetters())
			.singleElement()
			.satisfies((deadLetter) -> assertThat(deadLetter.error()).isEqualTo("******"));
	}

	@Test
	void valuesAreShownToAnyoneWhenAlways() {
		RunRecord run = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		assertThat(eventData(this.extension.run(SecurityContext.NONE, "runs", run.runId()))).isEqualTo("{\"n\":1}");
	}

	private static String eventData(WebEndpointResponse<OperationResponseBody> response) {
		JsonNode data = ((RunDescriptor) response.getBody()).event().data();
		return data.isString() ? data.asString() : data.toString();
	}

	private static SecurityContext user(String name, String... roles) {
		return new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return () -> name;
			}

			@Override
			public boolean isUserInRole(String role) {
				return Arrays.asList(roles).contains(role);
			}

		};
	}

	@Test
	void runsAreListedWithDefaultLimit() {
		for (int i = 0; i < 25; i++) {
			this.jobs.addRun("a", RunStatus.COMPLETED, i);
		}
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs", null,
				null, null, null);
		assertThat(response.getStatus()).isEqualTo(200);
		RunsDescriptor runs = (RunsDescriptor) response.getBody();
		assertThat(runs.runs()).hasSize(JobsEndpoint.DEFAULT_LIMIT);
		assertThat(runs.nextBefore()).isEqualTo(runs.runs().get(19).runId());
	}

	@Test
	void runsAreFilteredByStatusInAnyCaseAndFunction() {
		this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 2);
		this.jobs.addRun("b", RunStatus.FAILED, 3);
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs",
				"failed", "a", 10, null);
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(((RunsDescriptor) response.getBody()).runs()).extracting(RunSummaryDescriptor::runId)
			.containsExactly(failed.runId());
	}

	@Test
	void emptyQueryParametersAreIgnored() {
		RunRecord run = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs", "", "",
				null, "");
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(((RunsDescriptor) response.getBody()).runs()).extracting(RunSummaryDescriptor::runId)
			.containsExactly(run.runId());
	}

	@Test
	void runsArePagedWithTheBeforeCursor() {
		RunRecord older = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		RunRecord newer = this.jobs.addRun("a", RunStatus.COMPLETED, 2);
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs", null,
				null, 1, newer.runId());
		assertThat(((RunsDescriptor) response.getBody()).runs()).extracting(RunSummaryDescriptor::runId)
			.containsExactly(older.runId());
	}

	@Test
	void unknownStatusIsBadRequestListingTheValidStatuses() {
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs", "DONE",
				null, null, null);
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(message(response)).isEqualTo("Unknown status 'DONE'; valid statuses are QUEUED, DELAYED, RUNNING, "
				+ "SLEEPING, WAITING, COMPLETED, FAILED, CANCELLED");
	}

	@Test
	void limitOutsideOneToFiveHundredIsBadRequest() {
		assertThat(this.extension.list(SecurityContext.NONE, "runs", null, null, 0, null).getStatus()).isEqualTo(400);
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs", null,
				null, 501, null);
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(message(response)).isEqualTo("Limit must be between 1 and 500, but was 501");
		assertThat(this.extension.list(SecurityContext.NONE, "dead-letters", null, null, 501, null).getStatus())
			.isEqualTo(400);
		assertThat(this.extension.list(SecurityContext.NONE, "runs", null, null, 500, null).getStatus()).isEqualTo(200);
	}

	@Test
	void malformedCursorIsBadRequest() {
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "runs", null,
				null, null, "42");
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(message(response)).contains("'42' is not a run id");
	}

	@Test
	void deadLettersAreListed() {
		this.jobs.deadLetters.add(InMemoryJobs.poison("a", "t", new byte[] { 'x' }, 1));
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "dead-letters",
				null, null, null, null);
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(((DeadLettersDescriptor) response.getBody()).deadLetters()).hasSize(1);
	}

	@Test
	void deadLettersCannotBeFiltered() {
		WebEndpointResponse<OperationResponseBody> response = this.extension.list(SecurityContext.NONE, "dead-letters",
				"FAILED", null, null, null);
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(message(response)).contains("can only be limited");
	}

	@Test
	void unknownCollectionIsNotFound() {
		assertThat(this.extension.list(SecurityContext.NONE, "functions", null, null, null, null).getStatus())
			.isEqualTo(404);
		assertThat(this.extension.run(SecurityContext.NONE, "dead-letters", UUID.randomUUID().toString()).getStatus())
			.isEqualTo(404);
		assertThat(this.extension.replay("runs", UUID.randomUUID().toString()).getStatus()).isEqualTo(404);
		assertThat(this.extension.cancel("runs", UUID.randomUUID().toString(), "stop").getStatus()).isEqualTo(404);
		assertThat(this.extension.cancel("dead-letters", UUID.randomUUID().toString(), "cancel").getStatus())
			.isEqualTo(404);
	}

	@Test
	void runIsReturned() {
		RunRecord run = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.run(SecurityContext.NONE, "runs",
				run.runId());
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(((RunDescriptor) response.getBody()).runId()).isEqualTo(run.runId());
	}

	@Test
	void runIdsInUpperCaseAreAccepted() {
		RunRecord run = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.run(SecurityContext.NONE, "runs",
				run.runId().toUpperCase());
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(((RunDescriptor) response.getBody()).runId()).isEqualTo(run.runId());
	}

	@Test
	void unknownRunIsNotFoundWithAMessage() {
		String runId = UUID.randomUUID().toString();
		WebEndpointResponse<OperationResponseBody> response = this.extension.run(SecurityContext.NONE, "runs", runId);
		assertThat(response.getStatus()).isEqualTo(404);
		assertThat(message(response)).isEqualTo("No run with id '" + runId + "'");
	}

	@Test
	void malformedRunIdIsBadRequest() {
		WebEndpointResponse<OperationResponseBody> response = this.extension.run(SecurityContext.NONE, "runs", "42");
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(message(response)).startsWith("'42' is not a run id; run ids are UUIDs");
		assertThat(this.extension.run(SecurityContext.NONE, "runs", "1-2-3-4-5").getStatus()).isEqualTo(400);
		assertThat(this.extension.replay("dead-letters", "42").getStatus()).isEqualTo(400);
		assertThat(this.extension.cancel("runs", "42", "cancel").getStatus()).isEqualTo(400);
	}

	@Test
	void replayOfFailedRunAnswersItsNewStatus() {
		RunRecord failed = this.jobs.addRun("a", RunStatus.FAILED, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.replay("dead-letters", failed.runId());
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getBody()).isEqualTo(new RunStatusDescriptor(failed.runId(), RunStatus.QUEUED));
	}

	@Test
	void replayOfUnknownRunIsNotFound() {
		assertThat(this.extension.replay("dead-letters", UUID.randomUUID().toString()).getStatus()).isEqualTo(404);
	}

	@Test
	void replayOfRunThatHasNotFailedIsConflict() {
		RunRecord completed = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.replay("dead-letters", completed.runId());
		assertThat(response.getStatus()).isEqualTo(409);
		assertThat(message(response)).isEqualTo("Run " + completed.runId() + " is COMPLETED and cannot be replayed");
	}

	@Test
	void cancelOfWaitingRunAnswersItsNewStatus() {
		RunRecord waiting = this.jobs.addRun("a", RunStatus.WAITING, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.cancel("runs", waiting.runId(), "cancel");
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getBody()).isEqualTo(new RunStatusDescriptor(waiting.runId(), RunStatus.CANCELLED));
	}

	@Test
	void cancelOfUnknownRunIsNotFound() {
		assertThat(this.extension.cancel("runs", UUID.randomUUID().toString(), "cancel").getStatus()).isEqualTo(404);
	}

	@Test
	void cancelOfFinishedRunIsConflict() {
		RunRecord completed = this.jobs.addRun("a", RunStatus.COMPLETED, 1);
		WebEndpointResponse<OperationResponseBody> response = this.extension.cancel("runs", completed.runId(),
				"cancel");
		assertThat(response.getStatus()).isEqualTo(409);
		assertThat(message(response)).contains("is COMPLETED and cannot be cancelled");
	}

	private static String message(WebEndpointResponse<OperationResponseBody> response) {
		assertThat(response.getBody()).isInstanceOf(MessageDescriptor.class);
		return ((MessageDescriptor) response.getBody()).message();
	}

}
