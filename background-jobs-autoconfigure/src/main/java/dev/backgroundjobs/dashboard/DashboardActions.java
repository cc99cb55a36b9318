package dev.backgroundjobs.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.actuate.JobsEndpoint.RunStatusDescriptor;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The dashboard's write API, under {@code <dashboard path>/api}: cancel a run, replay or
 * delete dead letters, send an event. Each answers 403 while the {@code jobs} endpoint's
 * write operations are not allowed. Spring Security, when the application uses it,
 * requires the request's CSRF token, as for any other POST.
 */
@RestController
@RequestMapping(DashboardApi.API_PATH)
public class DashboardActions {

	private static final int MAX_SELECTION = JobsEndpoint.MAX_LIMIT;

	private final JobsEndpoint endpoint;

	private final DeadLetterStore deadLetters;

	private final EventPublisher publisher;

	private final DashboardSettings settings;

	private final DeadLetterOperations deadLetterOperations;

	/**
	 * Creates the write API.
	 * @param endpoint the endpoint whose replay and cancel it shares
	 * @param deadLetters the dead-letter store
	 * @param publisher sends events
	 * @param settings the dashboard's settings
	 * @param deadLetterOperations publishes the records of poison dead letters again
	 */
	public DashboardActions(JobsEndpoint endpoint, DeadLetterStore deadLetters, EventPublisher publisher,
			DashboardSettings settings, DeadLetterOperations deadLetterOperations) {
		Assert.notNull(endpoint, "'endpoint' must not be null");
		Assert.notNull(deadLetters, "'deadLetters' must not be null");
		Assert.notNull(publisher, "'publisher' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(deadLetterOperations, "'deadLetterOperations' must not be null");
		this.deadLetterOperations = deadLetterOperations;
		this.endpoint = endpoint;
		this.deadLetters = deadLetters;
		this.publisher = publisher;
		this.settings = settings;
	}

	/**
	 * Cancels a run that has not finished: queued, running, sleeping or waiting.
	 * @param runId the run id
	 * @return the run's new status, 404, or 409 with the reason the run cannot be
	 * cancelled
	 */
	@PostMapping("/runs/{runId}/cancel")
	public ResponseEntity<?> cancel(@PathVariable String runId) {
		ResponseEntity<?> refused = refuseUnlessWritable();
		if (refused != null) {
			return refused;
		}
		Outcome outcome = onRun(RunIds.canonical(runId), this.endpoint::cancel);
		return outcome.ok() ? ResponseEntity.ok(outcome)
				: DashboardErrors.status(HttpStatus.valueOf(outcome.httpStatus()), outcome.message());
	}

	/**
	 * Replays dead letters: a failed run resumes at the step that failed; a record that
	 * could not be read is published again to its topic, and its dead letter removed once
	 * the broker has it.
	 * @param selection the ids of the dead letters
	 * @return the outcome for each, in the order given
	 */
	@PostMapping("/dead-letters/replay")
	public ResponseEntity<?> replay(@RequestBody Selection selection) {
		return onEach(selection, (id) -> {
			DeadLetterRecord deadLetter = this.deadLetters.find(id);
			if (deadLetter != null && deadLetter.isPoison()) {
				return republish(deadLetter);
			}
			return onRun(RunIds.canonical(id), this.endpoint::replay);
		});
	}

	private Outcome republish(DeadLetterRecord deadLetter) {
		String id = deadLetter.id();
		try {
			return this.deadLetterOperations.replay(id)
					? new Outcome(id, null, HttpStatus.OK.value(),
							"Published the record again to " + deadLetter.topic())
					: new Outcome(id, null, HttpStatus.NOT_FOUND.value(), "No dead letter with id '" + id + "'");
		}
		catch (BrokerUnavailableException ex) {
			return new Outcome(id, null, HttpStatus.SERVICE_UNAVAILABLE.value(), String.valueOf(ex.getMessage()));
		}
	}

	/**
	 * Deletes dead letters. The runs of failed runs stay failed.
	 * @param selection the ids of the dead letters
	 * @return the outcome for each, in the order given
	 */
	@PostMapping("/dead-letters/delete")
	public ResponseEntity<?> delete(@RequestBody Selection selection) {
		return onEach(selection,
				(id) -> this.deadLetters.delete(id) ? new Outcome(id, null, HttpStatus.OK.value(), "Deleted")
						: new Outcome(id, null, HttpStatus.NOT_FOUND.value(), "No dead letter with id '" + id + "'"));
	}

	/**
	 * Sends an event, when {@code background-jobs.dashboard.send-events} is on.
	 * @param event the event's name and data
	 * @return the id of the event sent, or 403 or 404
	 */
	@PostMapping("/events")
	public ResponseEntity<?> send(@RequestBody NewEvent event) {
		if (!this.settings.sendEvents()) {
			return DashboardErrors
				.notFound("Sending events from the dashboard is off; set background-jobs.dashboard.send-events=true");
		}
		ResponseEntity<?> refused = refuseUnlessWritable();
		if (refused != null) {
			return refused;
		}
		if (event == null || !StringUtils.hasText(event.name())) {
			throw new DashboardRequestException("The event needs a 'name'");
		}
		Object data = (event.data() != null) ? event.data() : Map.of();
		return ResponseEntity.ok(new SentEvent(this.publisher.send(event.name().trim(), data)));
	}

	private ResponseEntity<?> onEach(@Nullable Selection selection, Function<String, Outcome> action) {
		ResponseEntity<?> refused = refuseUnlessWritable();
		if (refused != null) {
			return refused;
		}
		if (selection == null || selection.ids() == null || selection.ids().isEmpty()) {
			throw new DashboardRequestException("Select at least one dead letter: the body needs 'ids'");
		}
		if (selection.ids().size() > MAX_SELECTION) {
			throw new DashboardRequestException("Select at most " + MAX_SELECTION + " dead letters at once");
		}
		List<Outcome> outcomes = new ArrayList<>();
		for (String id : selection.ids()) {
			outcomes.add(action.apply(id));
		}
		return ResponseEntity.ok(new Outcomes(outcomes));
	}

	private Outcome onRun(String runId, Function<String, @Nullable RunStatusDescriptor> operation) {
		try {
			RunStatusDescriptor result = operation.apply(runId);
			return (result != null) ? new Outcome(runId, result.status().name(), HttpStatus.OK.value(), "OK")
					: new Outcome(runId, null, HttpStatus.NOT_FOUND.value(), "No run with id '" + runId + "'");
		}
		catch (RunStateException ex) {
			return new Outcome(runId, null, HttpStatus.CONFLICT.value(), String.valueOf(ex.getMessage()));
		}
	}

	private @Nullable ResponseEntity<?> refuseUnlessWritable() {
		if (this.settings.writable()) {
			return null;
		}
		return DashboardErrors.status(HttpStatus.FORBIDDEN,
				"Write operations of the jobs endpoint are not allowed (management.endpoint.jobs.access)");
	}

	/**
	 * Dead letters selected for an action.
	 *
	 * @param ids their ids
	 */
	public record Selection(@Nullable List<String> ids) {

	}

	/**
	 * An event to send.
	 *
	 * @param name the event name
	 * @param data the payload
	 */
	public record NewEvent(@Nullable String name, @Nullable JsonNode data) {

	}

	/**
	 * An event that was sent.
	 *
	 * @param eventId its id
	 */
	public record SentEvent(String eventId) {

	}

	/**
	 * The outcome of an action on one run or dead letter.
	 *
	 * @param id the run or dead letter id
	 * @param status the run's new status, if it changed
	 * @param httpStatus the HTTP status the action alone would have had
	 * @param message what happened, or why nothing did
	 */
	public record Outcome(String id, @Nullable String status, int httpStatus, String message) {

		boolean ok() {
			return this.httpStatus == HttpStatus.OK.value();
		}

	}

	/**
	 * The outcomes of an action on several dead letters.
	 *
	 * @param outcomes one per id, in the order given
	 */
	public record Outcomes(List<Outcome> outcomes) {

	}

}
