package dev.backgroundjobs.actuate;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.DeadLetterBatch;
import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.RunNotFoundException;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.function.CronTrigger;
import dev.backgroundjobs.function.EventTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.Trigger;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.util.Assert;

/**
 * {@link Endpoint @Endpoint} that exposes the background functions of the application,
 * their runs and dead letters, and replays or cancels runs.
 * <p>
 * Only the summary is an operation of its own. The other methods back the operations of
 * {@link JobsEndpointWebExtension}, which maps their paths and turns {@code null}
 * results, bad input and wrong states into HTTP statuses.
 * <p>
 * The response descriptors are nested records, as in Spring Boot's own endpoints, which
 * accounts for most of this class's length.
 */
@Endpoint(id = "jobs")
public class JobsEndpoint {

	/**
	 * Number of runs or dead letters listed when no limit is given.
	 */
	public static final int DEFAULT_LIMIT = 20;

	/**
	 * Largest number of runs or dead letters listed at once.
	 */
	public static final int MAX_LIMIT = 500;

	/**
	 * What a value that is not shown is replaced with.
	 */
	public static final String HIDDEN = "******";

	private final FunctionRegistry functions;

	private final RunStore runStore;

	private final StepStore stepStore;

	private final DeadLetterStore deadLetterStore;

	private final RunOperations runOperations;

	private final EventWaitStore waits;

	private final JsonMapper mapper;

	private final @Nullable DeadLetterOperations deadLetterOperations;

	/**
	 * Creates an endpoint.
	 * @param functions the functions of the application
	 * @param runStore the run store
	 * @param stepStore the step store
	 * @param deadLetterStore the dead-letter store
	 * @param runOperations replays and cancels runs
	 * @param codec reads stored payloads as JSON trees
	 * @param waits finds the events waiting runs wait for
	 */
	public JobsEndpoint(FunctionRegistry functions, RunStore runStore, StepStore stepStore,
			DeadLetterStore deadLetterStore, RunOperations runOperations, PayloadCodec codec, EventWaitStore waits) {
		this(functions, runStore, stepStore, deadLetterStore, runOperations, codec, waits, null);
	}

	/**
	 * Creates an endpoint that also replays and deletes dead letters one at a time and in
	 * bulk.
	 * @param functions the functions of the application
	 * @param runStore the run store
	 * @param stepStore the step store
	 * @param deadLetterStore the dead-letter store
	 * @param runOperations replays and cancels runs
	 * @param codec reads stored payloads as JSON trees
	 * @param waits finds the events waiting runs wait for
	 * @param deadLetterOperations replays and deletes dead letters, or {@code null}
	 */
	public JobsEndpoint(FunctionRegistry functions, RunStore runStore, StepStore stepStore,
			DeadLetterStore deadLetterStore, RunOperations runOperations, PayloadCodec codec, EventWaitStore waits,
			@Nullable DeadLetterOperations deadLetterOperations) {
		this.deadLetterOperations = deadLetterOperations;
		Assert.notNull(waits, "'waits' must not be null");
		this.waits = waits;
		Assert.notNull(functions, "'functions' must not be null");
		Assert.notNull(runStore, "'runStore' must not be null");
		Assert.notNull(stepStore, "'stepStore' must not be null");
		Assert.notNull(deadLetterStore, "'deadLetterStore' must not be null");
		Assert.notNull(runOperations, "'runOperations' must not be null");
		Assert.notNull(codec, "'codec' must not be null");
		this.functions = functions;
		this.runStore = runStore;
		this.stepStore = stepStore;
		this.deadLetterStore = deadLetterStore;
		this.runOperations = runOperations;
		this.mapper = codec.mapper();
	}

	/**
	 * Returns the functions, the number of runs in each status and the number of dead
	 * letters.
	 * @return the summary
	 */
	@ReadOperation
	public JobsDescriptor jobs() {
		List<FunctionDescriptor> functions = this.functions.functions().stream().map(FunctionDescriptor::of).toList();
		Map<RunStatus, Long> runCounts = new EnumMap<>(RunStatus.class);
		for (RunStatus status : RunStatus.values()) {
			runCounts.put(status, 0L);
		}
		runCounts.putAll(this.runStore.countByStatus());
		return new JobsDescriptor(functions, runCounts, this.deadLetterStore.count());
	}

	/**
	 * Lists runs, newest first.
	 * @param status only runs with this status, if set
	 * @param functionId only runs of this function, if set
	 * @param limit the largest number of runs to list, from 1 to {@link #MAX_LIMIT}
	 * @param before only runs older than the run with this id (the {@code nextBefore} of
	 * the previous page), if set
	 * @return the runs, with the cursor of the next page if there is one
	 */
	public RunsDescriptor runs(@Nullable RunStatus status, @Nullable String functionId, int limit,
			@Nullable String before) {
		return runs(new RunQuery(status, functionId, before, limit));
	}

	/**
	 * Lists runs, newest first, with every filter of a {@link RunQuery}.
	 * @param query the filter; its limit, from 1 to {@link #MAX_LIMIT}, is the page size
	 * @return the runs, with the cursor of the next page if there is one
	 */
	public RunsDescriptor runs(RunQuery query) {
		int limit = query.limit();
		Assert.isTrue(limit >= 1 && limit <= MAX_LIMIT, () -> "'limit' must be between 1 and " + MAX_LIMIT);
		// One more than the page, to tell whether another page follows.
		List<RunRecord> found = this.runStore.findRuns(new RunQuery(query.status(), query.functionId(), query.before(),
				limit + 1, query.createdFrom(), query.createdTo(), query.eventId()));
		boolean more = found.size() > limit;
		List<RunRecord> page = more ? found.subList(0, limit) : found;
		String nextBefore = more ? page.get(limit - 1).runId() : null;
		return new RunsDescriptor(page.stream().map(RunSummaryDescriptor::of).toList(), nextBefore);
	}

	/**
	 * Returns a run with its event, output and steps.
	 * @param runId the run id
	 * @param showValues whether to show the event's payload, outputs, errors and awaited
	 * match values, or {@value #HIDDEN} instead
	 * @return the run, or {@code null} if no run has that id
	 */
	public @Nullable RunDescriptor run(String runId, boolean showValues) {
		RunRecord run = this.runStore.find(runId);
		if (run == null) {
			return null;
		}
		EventDescriptor event = new EventDescriptor(run.eventId(), run.eventName(),
				showValues ? tree(run.eventData()) : hiddenTree(), run.eventTime());
		boolean parked = run.status() == RunStatus.DELAYED || run.status() == RunStatus.SLEEPING
				|| run.status() == RunStatus.WAITING;
		List<StepDescriptor> steps = this.stepStore.findSteps(runId)
			.stream()
			.map((step) -> step(step, showValues))
			.toList();
		return new RunDescriptor(run.runId(), run.functionId(), run.status(), run.attempt(), event,
				treeOrNull(run.output(), showValues), text(run.error(), showValues), run.createdAt(), run.startedAt(),
				run.finishedAt(), parked ? run.wakeAt() : null, run.leaseOwner(), steps, awaiting(run, showValues));
	}

	private List<WaitDescriptor> awaiting(RunRecord run, boolean showValues) {
		if (run.status() != RunStatus.WAITING) {
			return List.of();
		}
		return this.waits.findByRun(run.runId())
			.stream()
			.map((wait) -> new WaitDescriptor(wait.stepId(), wait.eventName(), wait.matchPath(),
					showValues ? wait.matchValue() : HIDDEN, wait.createdAt(), wait.expiresAt()))
			.toList();
	}

	/**
	 * Lists dead letters, newest first.
	 * @param limit the largest number of dead letters to list, from 1 to
	 * {@link #MAX_LIMIT}
	 * @param showValues whether to show errors and the bytes of poison records, or
	 * {@value #HIDDEN} instead
	 * @return the dead letters and how many there are in all
	 */
	public DeadLettersDescriptor deadLetters(int limit, boolean showValues) {
		return deadLetters(null, limit, showValues);
	}

	/**
	 * Lists dead letters, newest first, of every function or of one.
	 * @param functionId only dead letters of this function, if set
	 * @param limit the largest number of dead letters to list, from 1 to
	 * {@link #MAX_LIMIT}
	 * @param showValues whether to show errors and the bytes of poison records, or
	 * {@value #HIDDEN} instead
	 * @return the dead letters and how many there are in all, of every function
	 */
	public DeadLettersDescriptor deadLetters(@Nullable String functionId, int limit, boolean showValues) {
		Assert.isTrue(limit >= 1 && limit <= MAX_LIMIT, () -> "'limit' must be between 1 and " + MAX_LIMIT);
		List<DeadLetterRecord> found = (functionId != null) ? this.deadLetterStore.findByFunction(functionId, limit)
				: this.deadLetterStore.findAll(limit);
		List<DeadLetterDescriptor> deadLetters = found.stream()
			.map((deadLetter) -> DeadLetterDescriptor.of(deadLetter, showValues))
			.toList();
		return new DeadLettersDescriptor(this.deadLetterStore.count(), deadLetters);
	}

	/**
	 * Replays a failed run: it resumes at the step that failed.
	 * @param runId the run id
	 * @return the run's new status, or {@code null} if no run has that id
	 * @throws RunStateException if the run is not {@link RunStatus#FAILED}
	 */
	public @Nullable RunStatusDescriptor replay(String runId) {
		try {
			return new RunStatusDescriptor(runId, this.runOperations.replay(runId));
		}
		catch (RunNotFoundException ex) {
			return null;
		}
	}

	/**
	 * Cancels a run that has not finished: queued, running, sleeping or waiting.
	 * @param runId the run id
	 * @return the run's new status, or {@code null} if no run has that id
	 * @throws RunStateException if the run has finished
	 */
	public @Nullable RunStatusDescriptor cancel(String runId) {
		try {
			return new RunStatusDescriptor(runId, this.runOperations.cancel(runId));
		}
		catch (RunNotFoundException ex) {
			return null;
		}
	}

	/**
	 * Runs a finished run again from one of its steps.
	 * @param runId the run id
	 * @param stepId the first step to run again
	 * @return the run's new status, or {@code null} if no run has that id
	 * @throws RunStateException if the run has not finished
	 * @throws IllegalArgumentException if the run has no step with that id
	 */
	public @Nullable RunStatusDescriptor rerun(String runId, String stepId) {
		try {
			return new RunStatusDescriptor(runId, this.runOperations.rerun(runId, stepId));
		}
		catch (RunNotFoundException ex) {
			return null;
		}
	}

	/**
	 * Returns a dead letter.
	 * @param id the dead letter id
	 * @param showValues whether to show its error and the bytes of a poison record, or
	 * {@value #HIDDEN} instead
	 * @return the dead letter, or {@code null} if there is none with that id
	 */
	public @Nullable DeadLetterDescriptor deadLetter(String id, boolean showValues) {
		DeadLetterRecord deadLetter = this.deadLetterStore.find(id);
		return (deadLetter != null) ? DeadLetterDescriptor.of(deadLetter, showValues) : null;
	}

	/**
	 * Replays a dead letter of either kind: a failed run resumes, a poison record is
	 * published again to its topic.
	 * @param id the dead letter id
	 * @return the id of the dead letter replayed, or {@code null} if there is none
	 */
	public @Nullable DeadLetterIdDescriptor replayDeadLetter(String id) {
		return deadLetterOperations().replay(id) ? new DeadLetterIdDescriptor(id) : null;
	}

	/**
	 * Deletes a dead letter.
	 * @param id the dead letter id
	 * @return the id of the dead letter deleted, or {@code null} if there was none
	 */
	public @Nullable DeadLetterIdDescriptor deleteDeadLetter(String id) {
		return deadLetterOperations().delete(id) ? new DeadLetterIdDescriptor(id) : null;
	}

	/**
	 * Replays the dead letters a filter selects, oldest first.
	 * @param filter the filter
	 * @return the dead letters replayed and skipped
	 */
	public DeadLetterBatchDescriptor replayDeadLetters(DeadLetterFilter filter) {
		return DeadLetterBatchDescriptor.of(deadLetterOperations().replay(filter));
	}

	/**
	 * Deletes the dead letters a filter selects.
	 * @param filter the filter
	 * @return the dead letters deleted
	 */
	public DeadLetterBatchDescriptor deleteDeadLetters(DeadLetterFilter filter) {
		return DeadLetterBatchDescriptor.of(deadLetterOperations().delete(filter));
	}

	private DeadLetterOperations deadLetterOperations() {
		Assert.state(this.deadLetterOperations != null, "No DeadLetterOperations are available");
		return this.deadLetterOperations;
	}

	private StepDescriptor step(StepRecord step, boolean showValues) {
		long durationMillis = Duration.between(step.startedAt(), step.finishedAt()).toMillis();
		return new StepDescriptor(step.stepId(), step.status(), step.attempts(), treeOrNull(step.output(), showValues),
				text(step.error(), showValues), step.startedAt(), step.finishedAt(), durationMillis);
	}

	private @Nullable JsonNode treeOrNull(@Nullable String json, boolean showValues) {
		if (json == null) {
			return null;
		}
		return showValues ? tree(json) : hiddenTree();
	}

	private JsonNode hiddenTree() {
		return this.mapper.getNodeFactory().stringNode(HIDDEN);
	}

	private static @Nullable String text(@Nullable String value, boolean showValues) {
		return (value != null && !showValues) ? HIDDEN : value;
	}

	private JsonNode tree(String json) {
		try {
			return this.mapper.readTree(json);
		}
		catch (JacksonException ex) {
			// Stored payloads are written as JSON; should one not be, show it as it is.
			return this.mapper.getNodeFactory().stringNode(json);
		}
	}

	/**
	 * Summary of the functions, runs and dead letters.
	 *
	 * @param functions the functions, in registration order
	 * @param runCounts the number of runs in each status, every status included
	 * @param deadLetterCount the number of dead letters
	 */
	public record JobsDescriptor(List<FunctionDescriptor> functions, Map<RunStatus, Long> runCounts,
			long deadLetterCount) implements OperationResponseBody {

	}

	/**
	 * Description of a function.
	 *
	 * @param id the function id
	 * @param triggers what starts its runs, such as {@code event:api/document.uploaded}
	 * or {@code cron:0 * * * * (UTC)}, or {@code failure:<function id>} for the failure
	 * handler of that function
	 * @param retries retries per step after the first attempt
	 */
	public record FunctionDescriptor(String id, List<String> triggers, int retries) {

		/**
		 * Describes a function.
		 * @param function the function
		 * @return its descriptor
		 */
		public static FunctionDescriptor of(FunctionDefinition function) {
			List<String> triggers = (function.failureOf() != null) ? List.of("failure:" + function.failureOf())
					: function.triggers().stream().map(FunctionDescriptor::describe).toList();
			return new FunctionDescriptor(function.id(), triggers, function.retries());
		}

		private static String describe(Trigger trigger) {
			if (trigger instanceof CronTrigger cron) {
				return "cron:" + cron.expression() + " (" + cron.zone().getId() + ")";
			}
			return "event:" + ((EventTrigger) trigger).eventName();
		}

	}

	/**
	 * A page of runs.
	 *
	 * @param runs the runs, newest first
	 * @param nextBefore the {@code before} cursor of the next page, or {@code null} on
	 * the last page
	 */
	public record RunsDescriptor(List<RunSummaryDescriptor> runs,
			@Nullable String nextBefore) implements OperationResponseBody {

	}

	/**
	 * Summary of a run in a list.
	 *
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventName the name of the triggering event
	 * @param status the status
	 * @param attempt how many times execution has started
	 * @param createdAt when the run was recorded
	 * @param startedAt when execution first started
	 * @param finishedAt when the run reached a final status
	 */
	public record RunSummaryDescriptor(String runId, String functionId, String eventName, RunStatus status, int attempt,
			Instant createdAt, @Nullable Instant startedAt, @Nullable Instant finishedAt) {

		static RunSummaryDescriptor of(RunRecord run) {
			return new RunSummaryDescriptor(run.runId(), run.functionId(), run.eventName(), run.status(), run.attempt(),
					run.createdAt(), run.startedAt(), run.finishedAt());
		}

	}

	/**
	 * Description of a run.
	 *
	 * @param runId the run id
	 * @param functionId the function id
	 * @param status the status
	 * @param attempt how many times execution has started
	 * @param event the triggering event
	 * @param output the handler's return value, once completed
	 * @param error the last error with a summary of its stack trace, if any
	 * @param createdAt when the run was recorded
	 * @param startedAt when execution first started
	 * @param finishedAt when the run reached a final status
	 * @param wakeAt when a sleeping or waiting run is due
	 * @param leaseOwner the instance that holds the run, if any
	 * @param steps the stored steps, in the order they started
	 * @param awaiting the events a waiting run waits for
	 */
	public record RunDescriptor(String runId, String functionId, RunStatus status, int attempt, EventDescriptor event,
			@Nullable JsonNode output, @Nullable String error, Instant createdAt, @Nullable Instant startedAt,
			@Nullable Instant finishedAt, @Nullable Instant wakeAt, @Nullable String leaseOwner,
			List<StepDescriptor> steps, List<WaitDescriptor> awaiting) implements OperationResponseBody {

	}

	/**
	 * Description of an event a waiting run waits for.
	 *
	 * @param stepId the waiting step
	 * @param event the name of the awaited event
	 * @param matchPath the field of the awaited event that must match
	 * @param matchValue the value it must have
	 * @param since when the wait began
	 * @param timeoutAt when the wait times out
	 */
	public record WaitDescriptor(String stepId, String event, String matchPath, String matchValue, Instant since,
			Instant timeoutAt) {

	}

	/**
	 * Description of the event that triggered a run.
	 *
	 * @param id the event id
	 * @param name the event name
	 * @param data the payload
	 * @param timestamp when the event happened
	 */
	public record EventDescriptor(String id, String name, JsonNode data, Instant timestamp) {

	}

	/**
	 * Description of a stored step.
	 *
	 * @param id the step id
	 * @param status the status
	 * @param attempts how many times the step's work has been attempted
	 * @param output the step's result, once completed
	 * @param error the last attempt's error, if it failed
	 * @param startedAt when the last attempt started
	 * @param finishedAt when the last attempt ended
	 * @param durationMillis how long the last attempt took, in milliseconds
	 */
	public record StepDescriptor(String id, StepStatus status, int attempts, @Nullable JsonNode output,
			@Nullable String error, Instant startedAt, Instant finishedAt, long durationMillis) {

	}

	/**
	 * A list of dead letters.
	 *
	 * @param total the number of dead letters in all
	 * @param deadLetters the dead letters listed, newest first
	 */
	public record DeadLettersDescriptor(long total,
			List<DeadLetterDescriptor> deadLetters) implements OperationResponseBody {

	}

	/**
	 * Description of a dead letter: a failed run, or a poison record that could not be
	 * read.
	 *
	 * @param id the dead letter id
	 * @param runId the failed run's id, or {@code null} for a poison record
	 * @param functionId the function id
	 * @param stepId the step that failed, if any
	 * @param error the error
	 * @param createdAt when the dead letter was recorded
	 * @param record the poison record, or {@code null} for a failed run
	 */
	public record DeadLetterDescriptor(String id, @Nullable String runId, String functionId, @Nullable String stepId,
			String error, Instant createdAt, @Nullable PoisonRecordDescriptor record) implements OperationResponseBody {

		static DeadLetterDescriptor of(DeadLetterRecord deadLetter, boolean showValues) {
			PoisonRecordDescriptor record = (deadLetter.topic() != null)
					? new PoisonRecordDescriptor(deadLetter.topic(), deadLetter.partition(), deadLetter.offset(),
							BytesDescriptor.of(deadLetter.rawKey(), showValues),
							BytesDescriptor.of(deadLetter.rawValue(), showValues))
					: null;
			return new DeadLetterDescriptor(deadLetter.id(), deadLetter.runId(), deadLetter.functionId(),
					deadLetter.stepId(), showValues ? deadLetter.error() : HIDDEN, deadLetter.createdAt(), record);
		}

	}

	/**
	 * Description of a Kafka record that could not be read.
	 *
	 * @param topic the topic
	 * @param partition the partition
	 * @param offset the offset
	 * @param key the raw key, if any
	 * @param value the raw value, if any
	 */
	public record PoisonRecordDescriptor(String topic, int partition, long offset, @Nullable BytesDescriptor key,
			@Nullable BytesDescriptor value) {

	}

	/**
	 * Raw bytes, as text when they are valid UTF-8 and as Base64 otherwise.
	 *
	 * @param encoding {@code utf-8} or {@code base64}
	 * @param data the bytes in that encoding
	 */
	public record BytesDescriptor(String encoding, String data) {

		static @Nullable BytesDescriptor of(byte @Nullable [] bytes, boolean showValues) {
			if (bytes == null) {
				return null;
			}
			if (!showValues) {
				return new BytesDescriptor("utf-8", HIDDEN);
			}
			try {
				String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
				return new BytesDescriptor("utf-8", text);
			}
			catch (CharacterCodingException ex) {
				return new BytesDescriptor("base64", Base64.getEncoder().encodeToString(bytes));
			}
		}

	}

	/**
	 * The status of a run after an operation on it.
	 *
	 * @param runId the run id
	 * @param status the new status
	 */
	public record RunStatusDescriptor(String runId, RunStatus status) implements OperationResponseBody {

	}

	/**
	 * The dead letter an operation applied to.
	 *
	 * @param id the dead letter id
	 */
	public record DeadLetterIdDescriptor(String id) implements OperationResponseBody {

	}

	/**
	 * The outcome of an operation on dead letters in bulk.
	 *
	 * @param done the ids of the dead letters it applied to
	 * @param skipped the ids of those it could not apply to, each with the reason
	 */
	public record DeadLetterBatchDescriptor(List<String> done,
			Map<String, String> skipped) implements OperationResponseBody {

		static DeadLetterBatchDescriptor of(DeadLetterBatch batch) {
			return new DeadLetterBatchDescriptor(batch.done(), batch.skipped());
		}

	}

}
