package dev.backgroundjobs.test;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.StepFailedException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * A {@link Step} for unit tests of a handler method: no Kafka, no database, no Spring
 * context. The test passes it to the handler as the engine would, and gets back a
 * {@link TestRun} that tells which steps ran, in which order, with which results:
 * <pre class="code">
 * TestStep step = new TestStep().mock("fetch-document", document).fail("summarize", 2);
 * TestRun&lt;String&gt; run = step.execute(() -&gt; functions.process(event, step));
 * assertThat(run.stepIds()).containsExactly("fetch-document", "summarize", "save-summary");
 * assertThat(run.step("summarize").attempts()).isEqualTo(3);
 * </pre>
 * <p>
 * What each step does:
 * <ul>
 * <li>{@code run} runs its work, or returns the result given with {@link #mock} without
 * running it. A step set to {@link #fail fail} throws on its first attempts; a failing
 * attempt is retried at once up to {@link #retries(int) retries} times, or as the
 * {@link #retryPolicy function's} or the step's ({@link #withRetry}) policy says, as the
 * engine retries a step (without its backoff): a {@code NonRetryableException} or a
 * {@code noRetryOn} type is not retried. When the attempts run out, or the failure is not
 * retried, the step throws {@link StepFailedException}.</li>
 * <li>{@code sleep} and {@code sleepUntil} return at once and are recorded with their
 * wake time, or, with {@link #parkAtSleeps()}, end the run as
 * {@link RunStatus#SLEEPING}.</li>
 * <li>{@code waitForEvent} returns the event given with {@link #receive}, or empty after
 * {@link #timeOut}; without either the run ends as {@link RunStatus#WAITING}.</li>
 * <li>{@code parallel} runs its branches one after another on the calling thread, each as
 * a {@code run} step with the id {@code id/name} (so {@link #mock} and {@link #fail} take
 * that id); a failing branch does not stop the others, and the first failure is thrown
 * once all have run. A step called inside a branch fails with
 * {@link IllegalStateException}, as in the engine.</li>
 * <li>{@code sendEvent} records the event and returns an id derived from the step
 * id.</li>
 * <li>{@code invoke} returns the result given with {@link #mock}, or throws
 * {@link StepFailedException} for a step set to {@link #fail fail}, as when the invoked
 * function fails.</li>
 * </ul>
 * Results are handed back as given, not through JSON; a received event's payload is
 * converted to the awaited type when it is not already one. Each {@link #execute} starts
 * afresh, keeping only what the test set up. Not thread-safe: one handler at a time.
 */
public final class TestStep implements Step {

	private static final int DEFAULT_RETRIES = 4;

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private final Map<String, @Nullable Object> mocks = new HashMap<>();

	private final Map<String, Failures> failures = new HashMap<>();

	private final Map<String, Optional<Event<?>>> answers = new HashMap<>();

	private int retries = DEFAULT_RETRIES;

	private RetryPolicy retryPolicy = RetryPolicy.defaults();

	private Clock clock = Clock.systemUTC();

	private boolean parkAtSleeps;

	private Recording recording = new Recording();

	/**
	 * The id of the parallel step's branch running, if any: a branch cannot run steps.
	 */
	private @Nullable String branch;

	/**
	 * Sets how many times a failing step is retried before it fails for good, as the
	 * function's {@code retries}.
	 * @param retries the retries after the first attempt; 4 unless set
	 * @return this step
	 */
	public TestStep retries(int retries) {
		Assert.isTrue(retries >= 0, () -> "'retries' must not be negative, but was " + retries);
		this.retries = retries;
		return this;
	}

	/**
	 * Sets the function's retry policy, as {@code @EventHandler(retry = ...)} gives it:
	 * its attempts (else {@link #retries(int) retries} + 1) and the failures it retries.
	 * Steps may override it with {@link #withRetry}. Backoff waits are not taken.
	 * @param policy the policy
	 * @return this step
	 */
	public TestStep retryPolicy(RetryPolicy policy) {
		Assert.notNull(policy, "'policy' must not be null");
		this.retryPolicy = policy;
		return this;
	}

	/**
	 * Sets the clock that wake times and wait deadlines are computed from.
	 * @param clock the clock; the system's in UTC unless set
	 * @return this step
	 */
	public TestStep clock(Clock clock) {
		Assert.notNull(clock, "'clock' must not be null");
		this.clock = clock;
		return this;
	}

	/**
	 * Gives a {@code run} or {@code invoke} step its result: its work is not run.
	 * @param stepId the step id ({@code name#2} for the second step of that name)
	 * @param result the result, {@code null} for none
	 * @return this step
	 */
	public TestStep mock(String stepId, @Nullable Object result) {
		Assert.hasText(stepId, "'stepId' must not be empty");
		this.mocks.put(stepId, result);
		return this;
	}

	/**
	 * Makes the first attempts of a step fail with an {@link IllegalStateException}.
	 * @param stepId the step id
	 * @param times how many attempts fail
	 * @return this step
	 */
	public TestStep fail(String stepId, int times) {
		return fail(stepId, times, new IllegalStateException("Failure injected into step '" + stepId + "'"));
	}

	/**
	 * Makes the first attempts of a step fail with the given exception.
	 * @param stepId the step id
	 * @param times how many attempts fail
	 * @param failure what each of them throws
	 * @return this step
	 */
	public TestStep fail(String stepId, int times, Exception failure) {
		Assert.hasText(stepId, "'stepId' must not be empty");
		Assert.isTrue(times >= 0, () -> "'times' must not be negative, but was " + times);
		Assert.notNull(failure, "'failure' must not be null");
		this.failures.put(stepId, new Failures(times, failure));
		return this;
	}

	/**
	 * Answers a {@code waitForEvent} step with an event.
	 * @param stepId the step id
	 * @param event the event it receives; its name must be the awaited one
	 * @return this step
	 */
	public TestStep receive(String stepId, Event<?> event) {
		Assert.hasText(stepId, "'stepId' must not be empty");
		Assert.notNull(event, "'event' must not be null");
		this.answers.put(stepId, Optional.of(event));
		return this;
	}

	/**
	 * Makes a {@code waitForEvent} step time out: it returns empty.
	 * @param stepId the step id
	 * @return this step
	 */
	public TestStep timeOut(String stepId) {
		Assert.hasText(stepId, "'stepId' must not be empty");
		this.answers.put(stepId, Optional.empty());
		return this;
	}

	/**
	 * Makes the first sleep end the run as {@link RunStatus#SLEEPING}, as a durable sleep
	 * parks it, instead of returning at once.
	 * @return this step
	 */
	public TestStep parkAtSleeps() {
		this.parkAtSleeps = true;
		return this;
	}

	/**
	 * Runs a handler that returns a value.
	 * @param <T> the handler's return type
	 * @param handler calls the handler method with this step
	 * @return what the run did
	 */
	public <T> TestRun<T> execute(Callable<T> handler) {
		Assert.notNull(handler, "'handler' must not be null");
		this.recording = new Recording();
		try {
			T output = handler.call();
			return this.recording.toRun(RunStatus.COMPLETED, output, null);
		}
		catch (Parked ex) {
			return this.recording.toRun(ex.status, null, null);
		}
		catch (Exception ex) {
			return this.recording.toRun(RunStatus.FAILED, null, ex);
		}
	}

	/**
	 * Runs a handler that returns nothing.
	 * @param handler calls the handler method with this step
	 * @return what the run did
	 */
	public TestRun<Void> executeVoid(Action handler) {
		Assert.notNull(handler, "'handler' must not be null");
		return execute(() -> {
			handler.run();
			return null;
		});
	}

	@Override
	public <T> @Nullable T run(String id, Class<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		Assert.notNull(action, "'action' must not be null");
		return run(id, (Type) type, action);
	}

	@Override
	public <T> @Nullable T run(String id, ParameterizedTypeReference<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		Assert.notNull(action, "'action' must not be null");
		return run(id, type.getType(), action);
	}

	private <T> @Nullable T run(String id, Type type, Callable<T> action) {
		return run(id, type, action, null);
	}

	private <T> @Nullable T run(String id, Type type, Callable<T> action, @Nullable RetryPolicy stepPolicy) {
		return attempts(begin(id), type, action, stepPolicy);
	}

	@Override
	public <T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches) {
		return parallel(id, branches, null);
	}

	private <T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches,
			@Nullable RetryPolicy policy) {
		Assert.notNull(branches, "'branches' must not be null");
		Set<String> names = new HashSet<>();
		for (Branch<? extends T> branch : branches) {
			Assert.notNull(branch, "'branches' must not contain null");
			Assert.isTrue(names.add(branch.name()),
					() -> "Parallel step '" + id + "' has two branches named '" + branch.name() + "'");
		}
		String stepId = begin(id);
		List<@Nullable T> results = new ArrayList<>();
		StepFailedException failure = null;
		for (Branch<? extends T> branch : branches) {
			String branchId = this.recording.begin(stepId + "/" + branch.name());
			this.branch = branchId;
			try {
				results.add(attempts(branchId, branch, policy));
			}
			catch (StepFailedException ex) {
				// As the engine does: the other branches still run, and the first failure
				// is thrown.
				failure = (failure != null) ? failure : ex;
				results.add(null);
			}
			finally {
				this.branch = null;
			}
		}
		if (failure != null) {
			throw failure;
		}
		return results;
	}

	private <T> @Nullable T attempts(String stepId, Branch<T> branch, @Nullable RetryPolicy policy) {
		return attempts(stepId, branch.type(), branch.action(), policy);
	}

	private <T> @Nullable T attempts(String stepId, Type type, Callable<T> action, @Nullable RetryPolicy stepPolicy) {
		Failures failures = this.failures.get(stepId);
		RetryPolicy policy = (stepPolicy != null) ? stepPolicy.orElse(functionPolicy()) : functionPolicy();
		int maxAttempts = policy.maxAttempts().orElse(1);
		for (int attempt = 1;; attempt++) {
			try {
				if (failures != null && attempt <= failures.times()) {
					throw failures.failure();
				}
				T result = this.mocks.containsKey(stepId) ? mocked(stepId, type) : action.call();
				this.recording.step(new StepCall(stepId, StepCall.Kind.RUN, attempt, result, null, null));
				return result;
			}
			catch (Exception ex) {
				boolean retryable = policy.isRetryable(ex);
				if (!retryable || attempt >= maxAttempts) {
					this.recording.step(new StepCall(stepId, StepCall.Kind.RUN, attempt, null, ex, null));
					throw new StepFailedException(
							"Step '" + stepId + "' failed after " + attempt
									+ ((attempt == 1) ? " attempt" : " attempts")
									+ (retryable ? ": " : " with a failure that is not retried: ") + ex,
							stepId, attempt, ex);
				}
			}
		}
	}

	private RetryPolicy functionPolicy() {
		return this.retryPolicy.orElse(RetryPolicy.attempts(this.retries + 1));
	}

	@Override
	public void run(String id, Action action) {
		run(id, action, null);
	}

	private void run(String id, Action action, @Nullable RetryPolicy policy) {
		Assert.notNull(action, "'action' must not be null");
		run(id, Void.class, () -> {
			action.run();
			return null;
		}, policy);
	}

	@Override
	public Step withRetry(RetryPolicy policy) {
		Assert.notNull(policy, "'policy' must not be null");
		return new RetryingView(policy);
	}

	@Override
	public void sleep(String id, Duration duration) {
		Assert.notNull(duration, "'duration' must not be null");
		sleepUntil(id, this.clock.instant().plus(duration));
	}

	@Override
	public void sleepUntil(String id, Instant time) {
		Assert.notNull(time, "'time' must not be null");
		String stepId = begin(id);
		this.recording.step(new StepCall(stepId, StepCall.Kind.SLEEP, 1, null, null, time));
		if (this.parkAtSleeps && time.isAfter(this.clock.instant())) {
			throw new Parked(RunStatus.SLEEPING);
		}
	}

	@Override
	public String sendEvent(String id, String name, Object data) {
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		String stepId = begin(id);
		String eventId = "test:" + stepId;
		this.recording.sentEvents.add(new SentEvent(stepId, name, data));
		this.recording.step(new StepCall(stepId, StepCall.Kind.SEND_EVENT, 1, eventId, null, null));
		return eventId;
	}

	@Override
	public <T> @Nullable T invoke(String id, String functionId, Object data, Class<T> type) {
		Assert.notNull(type, "'type' must not be null");
		return invoke(id, functionId, data, (Type) type);
	}

	@Override
	public <T> @Nullable T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type) {
		Assert.notNull(type, "'type' must not be null");
		return invoke(id, functionId, data, type.getType());
	}

	private <T> @Nullable T invoke(String id, String functionId, Object data, Type type) {
		Assert.hasText(functionId, "'functionId' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		String stepId = begin(id);
		this.recording.invocations.add(new Invocation(stepId, functionId, data));
		Failures failures = this.failures.get(stepId);
		if (failures != null && failures.times() > 0) {
			// The invoked function has spent its own retries: the step fails at once.
			this.recording.step(new StepCall(stepId, StepCall.Kind.INVOKE, 1, null, failures.failure(), null));
			throw new StepFailedException(
					"Function '" + functionId + "' invoked by step '" + stepId + "' failed: " + failures.failure(),
					stepId, 1, failures.failure());
		}
		if (!this.mocks.containsKey(stepId)) {
			throw new IllegalStateException("Step '" + stepId + "' invokes function '" + functionId
					+ "', which a TestStep does not run: give its result with mock(\"" + stepId + "\", result)");
		}
		T result = mocked(stepId, type);
		this.recording.step(new StepCall(stepId, StepCall.Kind.INVOKE, 1, result, null, null));
		return result;
	}

	@Override
	public <T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout, String match) {
		Assert.notNull(type, "'type' must not be null");
		return waitForEvent(id, event, (Type) type, timeout, match);
	}

	@Override
	public <T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type,
			Duration timeout, String match) {
		Assert.notNull(type, "'type' must not be null");
		return waitForEvent(id, event, type.getType(), timeout, match);
	}

	private <T> Optional<Event<T>> waitForEvent(String id, String event, Type type, Duration timeout, String match) {
		Assert.hasText(event, "'event' must not be empty");
		Assert.notNull(timeout, "'timeout' must not be null");
		Assert.hasText(match, "'match' must not be empty");
		String stepId = begin(id);
		Instant deadline = this.clock.instant().plus(timeout);
		Optional<Event<?>> answer = this.answers.get(stepId);
		if (answer == null) {
			this.recording.step(new StepCall(stepId, StepCall.Kind.WAIT_FOR_EVENT, 1, null, null, deadline));
			throw new Parked(RunStatus.WAITING);
		}
		Optional<Event<T>> received = answer.map((given) -> converted(stepId, event, given, type));
		this.recording
			.step(new StepCall(stepId, StepCall.Kind.WAIT_FOR_EVENT, 1, received.orElse(null), null, deadline));
		return received;
	}

	private String begin(String id) {
		if (this.branch != null) {
			throw new IllegalStateException("Step '" + id + "' is nested in branch '" + this.branch
					+ "' of a parallel step; a branch cannot run steps");
		}
		return this.recording.begin(id);
	}

	@SuppressWarnings("unchecked")
	private <T> @Nullable T mocked(String stepId, Type type) {
		Object result = this.mocks.get(stepId);
		Class<?> raw = ResolvableType.forType(type).toClass();
		if (result != null && !ClassUtils.resolvePrimitiveIfNecessary(raw).isInstance(result)) {
			throw new IllegalArgumentException("The result mocked for step '" + stepId + "' is a "
					+ result.getClass().getName() + ", but the step returns " + type.getTypeName());
		}
		return (T) result;
	}

	@SuppressWarnings("unchecked")
	private <T> Event<T> converted(String stepId, String awaited, Event<?> given, Type type) {
		if (!given.name().equals(awaited)) {
			throw new IllegalArgumentException("Step '" + stepId + "' waits for event '" + awaited
					+ "', but the test answers it with event '" + given.name() + "'");
		}
		Object data = (type instanceof Class<?> plain && plain.isInstance(given.data())) ? given.data()
				: mapper.convertValue(given.data(), mapper.getTypeFactory().constructType(type));
		return new Event<>(given.id(), given.name(), (T) data, given.timestamp());
	}

	/**
	 * The view {@link #withRetry} returns: its {@code run} and {@code parallel} steps
	 * retry with its policy.
	 */
	private final class RetryingView implements Step {

		private final RetryPolicy policy;

		RetryingView(RetryPolicy policy) {
			this.policy = policy;
		}

		@Override
		public <T> @Nullable T run(String id, Class<T> type, Callable<T> action) {
			Assert.notNull(type, "'type' must not be null");
			Assert.notNull(action, "'action' must not be null");
			return TestStep.this.run(id, type, action, this.policy);
		}

		@Override
		public <T> @Nullable T run(String id, ParameterizedTypeReference<T> type, Callable<T> action) {
			Assert.notNull(type, "'type' must not be null");
			Assert.notNull(action, "'action' must not be null");
			return TestStep.this.run(id, type.getType(), action, this.policy);
		}

		@Override
		public void run(String id, Action action) {
			TestStep.this.run(id, action, this.policy);
		}

		@Override
		public <T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches) {
			return TestStep.this.parallel(id, branches, this.policy);
		}

		@Override
		public void sleep(String id, Duration duration) {
			TestStep.this.sleep(id, duration);
		}

		@Override
		public void sleepUntil(String id, Instant time) {
			TestStep.this.sleepUntil(id, time);
		}

		@Override
		public String sendEvent(String id, String name, Object data) {
			return TestStep.this.sendEvent(id, name, data);
		}

		@Override
		public <T> @Nullable T invoke(String id, String functionId, Object data, Class<T> type) {
			return TestStep.this.invoke(id, functionId, data, type);
		}

		@Override
		public <T> @Nullable T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type) {
			return TestStep.this.invoke(id, functionId, data, type);
		}

		@Override
		public <T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout,
				String match) {
			return TestStep.this.waitForEvent(id, event, type, timeout, match);
		}

		@Override
		public <T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type,
				Duration timeout, String match) {
			return TestStep.this.waitForEvent(id, event, type, timeout, match);
		}

		@Override
		public Step withRetry(RetryPolicy policy) {
			Assert.notNull(policy, "'policy' must not be null");
			return new RetryingView(policy.orElse(this.policy));
		}

	}

	private record Failures(int times, Exception failure) {

	}

	/**
	 * Ends a handler at a step that would park the run.
	 */
	private static final class Parked extends RuntimeException {

		private final RunStatus status;

		Parked(RunStatus status) {
			super(null, null, false, false);
			this.status = status;
		}

	}

	/**
	 * What one execution did.
	 */
	private static final class Recording {

		private final Map<String, Integer> seen = new HashMap<>();

		private final List<StepCall> steps = new ArrayList<>();

		private final List<SentEvent> sentEvents = new ArrayList<>();

		private final List<Invocation> invocations = new ArrayList<>();

		String begin(String id) {
			Assert.hasText(id, "'id' must not be empty");
			// As the engine does: a repeated id gets a counter suffix.
			int count = this.seen.merge(id, 1, Integer::sum);
			return (count == 1) ? id : id + "#" + count;
		}

		void step(StepCall step) {
			this.steps.add(step);
		}

		<T> TestRun<T> toRun(RunStatus status, @Nullable T output, @Nullable Throwable failure) {
			return new TestRun<>(status, output, failure, List.copyOf(this.steps), List.copyOf(this.sentEvents),
					List.copyOf(this.invocations));
		}

	}

}
