package dev.backgroundjobs.actuate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import dev.backgroundjobs.RunNotFoundException;
import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.function.CronTrigger;
import dev.backgroundjobs.function.EventTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.Trigger;
import dev.backgroundjobs.function.invoke.HandlerMethodInvoker;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.EventLogPosition;
import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.util.unit.DataSize;

import static org.mockito.Mockito.mock;

/**
 * In-memory stores and run operations behind a {@link JobsEndpoint}, with builders for
 * runs, steps and dead letters. Only what the endpoint reads is implemented.
 */
final class InMemoryJobs {

	static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

	private static final Comparator<RunRecord> NEWEST_FIRST = Comparator.comparing(RunRecord::createdAt)
		.thenComparing(RunRecord::runId)
		.reversed();

	final FunctionRegistry functions = new FunctionRegistry();

	final Runs runs = new Runs();

	final Steps steps = new Steps();

	final DeadLetters deadLetters = new DeadLetters();

	final Operations operations = new Operations();

	final Waits waits = new Waits();

	final JobsEndpoint endpoint = new JobsEndpoint(this.functions, this.runs, this.steps, this.deadLetters,
			this.operations, new PayloadCodec(JsonMapper.builder().build(), DataSize.ofMegabytes(1)), this.waits);

	void registerFunctions(FunctionDefinition... definitions) {
		ReflectionTestUtils.invokeMethod(this.functions, "register", List.of(definitions));
	}

	static FunctionDefinition function(String id, int retries, Trigger... triggers) {
		try {
			return new FunctionDefinition(id, "bean", Object.class.getMethod("toString"), List.of(triggers), retries,
					mock(HandlerMethodInvoker.class));
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static EventTrigger event(String name) {
		return new EventTrigger(name);
	}

	static CronTrigger cron(String expression, String zone) {
		return new CronTrigger(expression, ZoneId.of(zone));
	}

	/**
	 * Adds a run created {@code minutes} after {@link #T0}.
	 */
	RunRecord addRun(String functionId, RunStatus status, int minutes) {
		Instant created = T0.plus(Duration.ofMinutes(minutes));
		RunRecord run = new RunRecord(UUID.randomUUID().toString(), functionId, "event-" + minutes, "test/event",
				"{\"n\":" + minutes + "}", created, status, 1, 1, 0, null, null, null, null, null, created, null, null,
				null);
		this.runs.save(run);
		return run;
	}

	static StepRecord step(RunRecord run, String stepId, StepStatus status, @Nullable String output,
			@Nullable String error, int startSecond, int endSecond) {
		return new StepRecord(run.runId(), stepId, status, 1, output, error, T0.plusSeconds(startSecond),
				T0.plusSeconds(endSecond));
	}

	static DeadLetterRecord failedRun(RunRecord run, String stepId, String error, int minutes) {
		return new DeadLetterRecord(run.runId(), run.runId(), run.functionId(), stepId, error, null, -1, -1, null, null,
				T0.plus(Duration.ofMinutes(minutes)));
	}

	static DeadLetterRecord poison(String functionId, String topic, byte[] value, int minutes) {
		return new DeadLetterRecord(UUID.randomUUID().toString(), null, functionId, null, "Not valid JSON", topic, 2,
				41L, "key-1".getBytes(StandardCharsets.UTF_8), value, T0.plus(Duration.ofMinutes(minutes)));
	}

	static final class Runs implements RunStore {

		private final Map<String, RunRecord> runs = new LinkedHashMap<>();

		final List<RunQuery> queries = new ArrayList<>();

		void save(RunRecord run) {
			this.runs.put(run.runId(), run);
		}

		@Override
		public @Nullable RunRecord find(String runId) {
			return this.runs.get(runId);
		}

		@Override
		public List<RunRecord> findRuns(RunQuery query) {
			this.queries.add(query);
			RunRecord cursor = (query.before() != null) ? this.runs.get(query.before()) : null;
			return this.runs.values()
				.stream()
				.filter((run) -> query.status() == null || run.status() == query.status())
				.filter((run) -> query.functionId() == null || run.functionId().equals(query.functionId()))
				.filter((run) -> cursor == null || NEWEST_FIRST.compare(run, cursor) > 0)
				.sorted(NEWEST_FIRST)
				.limit(query.limit())
				.toList();
		}

		@Override
		public Map<RunStatus, Long> countByStatus() {
			Map<RunStatus, Long> counts = new EnumMap<>(RunStatus.class);
			this.runs.values().forEach((run) -> counts.merge(run.status(), 1L, Long::sum));
			return counts;
		}

		@Override
		public List<RunRecord> findAll(Collection<String> runIds) {
			return runIds.stream().map(this.runs::get).filter((run) -> run != null).toList();
		}

		@Override
		public List<String> insertLeased(List<NewRun> runs, String owner, Duration lease) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean start(String runId, long version) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<RunRecord> claimDue(String owner, Duration lease, int limit, Collection<String> functionIds,
				@Nullable Instant takeOverLeasesExpiredBefore, java.util.function.Predicate<String> heldByOwner) {
			throw new UnsupportedOperationException();
		}

		@Override
		public int extendLeases(String owner, Collection<String> runIds, Duration lease) {
			throw new UnsupportedOperationException();
		}

		@Override
		public int releaseLeases(String owner) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean park(String runId, long version, Duration delay, @Nullable String error, int handlerFailures) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean fail(String runId, long version, @Nullable String stepId, String error,
				@Nullable NewRun failureHandlerRun) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean cancel(String runId, @Nullable String reason) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<String> findCancelled(Collection<String> runIds) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<String> findStartOverdue(String functionId, Duration startTimeout, int limit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<String> findFinishOverdue(String functionId, Duration finishTimeout, int limit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable Instant latestEventTime(String functionId, String eventName) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean insertChild(NewRun run, String parentRunId, String parentStepId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean awaitChild(String runId, long version, String childRunId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable Instant oldestCreatedAt(RunStatus status) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable RunRecord replay(String runId, String owner, Duration lease) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable RunRecord rerunFrom(String runId, String stepId, String owner, Duration lease) {
			throw new UnsupportedOperationException();
		}

	}

	static final class Steps implements StepStore {

		private final Map<String, List<StepRecord>> steps = new LinkedHashMap<>();

		void add(StepRecord step) {
			this.steps.computeIfAbsent(step.runId(), (runId) -> new ArrayList<>()).add(step);
		}

		@Override
		public List<StepRecord> findSteps(String runId) {
			return this.steps.getOrDefault(runId, List.of());
		}

	}

	static final class DeadLetters implements DeadLetterStore {

		private final List<DeadLetterRecord> deadLetters = new ArrayList<>();

		void add(DeadLetterRecord deadLetter) {
			this.deadLetters.add(deadLetter);
		}

		@Override
		public boolean savePoison(DeadLetterRecord deadLetter) {
			if (find(deadLetter.id()) != null) {
				return false;
			}
			add(deadLetter);
			return true;
		}

		@Override
		public int relayUnpublished(int limit, Function<List<DeadLetterRecord>, Collection<String>> publisher) {
			return 0;
		}

		@Override
		public long countUnpublished() {
			return 0;
		}

		@Override
		public @Nullable DeadLetterRecord find(String id) {
			return this.deadLetters.stream()
				.filter((deadLetter) -> deadLetter.id().equals(id))
				.findFirst()
				.orElse(null);
		}

		@Override
		public List<DeadLetterRecord> findAll(int limit) {
			return this.deadLetters.stream()
				.sorted(Comparator.comparing(DeadLetterRecord::createdAt).reversed())
				.limit(limit)
				.toList();
		}

		@Override
		public List<DeadLetterRecord> findByFunction(String functionId, int limit) {
			return findAll(Integer.MAX_VALUE).stream()
				.filter((deadLetter) -> deadLetter.functionId().equals(functionId))
				.limit(limit)
				.toList();
		}

		@Override
		public boolean delete(String id) {
			return this.deadLetters.removeIf((deadLetter) -> deadLetter.id().equals(id));
		}

		@Override
		public long count() {
			return this.deadLetters.size();
		}

		@Override
		public List<DeadLetterRecord> findMatching(DeadLetterFilter filter) {
			throw new UnsupportedOperationException();
		}

	}

	/**
	 * Replays and cancels runs in {@link Runs} following the rules of
	 * {@link RunOperations}.
	 */
	final class Operations implements RunOperations {

		@Override
		public RunStatus replay(String runId) {
			return transition(runId, RunStatus.QUEUED, "replayed", RunStatus.FAILED);
		}

		@Override
		public RunStatus cancel(String runId) {
			return transition(runId, RunStatus.CANCELLED, "cancelled", RunStatus.QUEUED, RunStatus.RUNNING,
					RunStatus.SLEEPING, RunStatus.WAITING);
		}

		private RunStatus transition(String runId, RunStatus to, String verb, RunStatus... from) {
			RunRecord run = InMemoryJobs.this.runs.find(runId);
			if (run == null) {
				throw new RunNotFoundException(runId);
			}
			if (!List.of(from).contains(run.status())) {
				throw new RunStateException("Run " + runId + " is " + run.status() + " and cannot be " + verb,
						run.status());
			}
			InMemoryJobs.this.runs.save(new RunRecord(run.runId(), run.functionId(), run.eventId(), run.eventName(),
					run.eventData(), run.eventTime(), to, run.attempt(), run.version() + 1, 0, null, null, null,
					run.output(), run.error(), run.createdAt(), run.startedAt(), run.finishedAt(), run.traceContext()));
			return to;
		}

		@Override
		public RunStatus rerun(String runId, String stepId) {
			throw new UnsupportedOperationException();
		}

	}

	/**
	 * Open event waits by run.
	 */
	static final class Waits implements EventWaitStore {

		private final Map<String, List<EventWait>> byRun = new HashMap<>();

		void add(EventWait wait) {
			this.byRun.computeIfAbsent(wait.runId(), (key) -> new ArrayList<>()).add(wait);
		}

		@Override
		public List<EventWait> findByRun(String runId) {
			return this.byRun.getOrDefault(runId, List.of());
		}

		@Override
		public boolean awaitEvent(String runId, long version, String stepId, String eventName, String matchPath,
				String matchValue, Duration timeout) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable EventWait find(String runId, String stepId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void delete(String runId, String stepId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable Instant oldestOpenWait() {
			throw new UnsupportedOperationException();
		}

		@Override
		public Map<String, Set<String>> matchPaths(Collection<String> eventNames) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Resolution resolve(Arrival event, String matchPath, String matchValue, boolean restartPending) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Map<String, EventLogPosition> earliestOpenWaitStarts() {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean eventsReadThrough(EventWait wait) {
			throw new UnsupportedOperationException();
		}

	}

}
