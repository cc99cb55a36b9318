package dev.backgroundjobs.engine;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.StepFailedException;
import dev.backgroundjobs.StepTimeoutException;
import dev.backgroundjobs.json.PayloadException;
import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * The {@link Step} of one execution of a run: returns stored results of completed steps,
 * runs and checkpoints new ones, and retries failing ones.
 * <p>
 * An instance is confined to the worker thread executing the run; calls from any other
 * thread are rejected, including the threads running the branches of a {@link #parallel
 * parallel step}. Those threads only run their branch's attempts and write its
 * checkpoint; the worker reads their outcomes once they have all ended.
 * <p>
 * A sleep is a step whose stored result is its wake time: the first execution stores it
 * and parks the run; every later execution reads it back, and parks again only if the
 * time has not come yet. A sent event is a step whose result is the event id, derived
 * from the run and step ids, so a publish repeated after a crash is deduplicated by the
 * event id like any other duplicate event. Steps that wait for another run or for an
 * event are left to {@link WaitingSteps}.
 * <p>
 * A completed step's checkpoint is deferred until the next step begins or the handler
 * ends, so that the last step of a run is written in the same commit as the run's
 * completion. The window in which a crash runs a finished step again grows only by the
 * handler's own code between steps, which every retry runs again anyway.
 * <p>
 * Outages never spend a step's retries: a checkpoint that fails transiently (see
 * {@link Faults#isTransient}), at any point of its transaction, and a sent event that
 * fails because the broker is unavailable abandon the execution, which resumes from its
 * last checkpoint later. A checkpoint the database refuses for good fails the run.
 */
final class DefaultStep implements Step {

	private static final LogAccessor logger = new LogAccessor(DefaultStep.class);

	/**
	 * How long a checkpoint may keep failing transiently before each further failure is
	 * logged at WARN: longer than the usual database blip.
	 */
	private static final Duration CHECKPOINT_RETRY_QUIET = Duration.ofSeconds(10);

	private static final Duration CHECKPOINT_RETRY_INITIAL = Duration.ofMillis(50);

	private static final Duration CHECKPOINT_RETRY_MAX = Duration.ofSeconds(2);

	private final RunScope scope;

	private final Map<String, StepRecord> stored = new HashMap<>();

	private final Map<String, Integer> idCounts = new HashMap<>();

	private final Thread owner = Thread.currentThread();

	/**
	 * The threads running branches of the current parallel step, with their step ids, so
	 * that a step called from a branch is reported as nested.
	 */
	private final Map<Thread, String> branchThreads = new ConcurrentHashMap<>();

	private boolean inStep;

	private @Nullable RunInterruption interruption;

	/**
	 * A completed step whose checkpoint is not written yet: it is written before the next
	 * step begins, before the run parks or fails, or with the run's completion, in one
	 * commit. Until then only the handler's own code between steps runs, which a retry
	 * runs again anyway.
	 */
	private @Nullable StepRecord unwritten;

	private final WaitingSteps waiting;

	DefaultStep(RunScope scope, List<StepRecord> storedSteps) {
		this.scope = scope;
		this.waiting = new WaitingSteps(this, scope);
		for (StepRecord step : storedSteps) {
			this.stored.put(step.stepId(), step);
		}
	}

	@Override
	public <T> @Nullable T run(String id, Class<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		return run(id, type, action, null);
	}

	@Override
	public <T> @Nullable T run(String id, ParameterizedTypeReference<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		return run(id, type.getType(), action, null);
	}

	@Override
	public void run(String id, Action action) {
		run(id, action, null);
	}

	@Override
	public Step withRetry(RetryPolicy policy) {
		Assert.notNull(policy, "'policy' must not be null");
		return new RetryingStep(this, policy);
	}

	/**
	 * Runs a step with a result, retried as a policy of its own says.
	 * @param <T> the result type
	 * @param id the step id
	 * @param type the result type
	 * @param action the work
	 * @param policy the step's policy over the function's, or {@code null} for the
	 * function's
	 * @return the result
	 */
	<T> @Nullable T run(String id, Type type, Callable<T> action, @Nullable RetryPolicy policy) {
		Assert.notNull(action, "'action' must not be null");
		return execute(id, type, (stepId) -> action, policy);
	}

	/**
	 * Runs a step without a result, retried as a policy of its own says.
	 * @param id the step id
	 * @param action the work
	 * @param policy the step's policy over the function's, or {@code null} for the
	 * function's
	 */
	void run(String id, Action action, @Nullable RetryPolicy policy) {
		Assert.notNull(action, "'action' must not be null");
		execute(id, Void.class, (stepId) -> () -> {
			action.run();
			return null;
		}, policy);
	}

	@Override
	public <T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches) {
		return parallel(id, branches, null);
	}

	/**
	 * Runs branches at once, each retried as a policy of its own says.
	 * @param <T> the result type
	 * @param id the step id
	 * @param branches the branches
	 * @param policy the branches' policy over the function's, or {@code null} for the
	 * function's
	 * @return the results, in the order of the branches
	 */
	<T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches,
			@Nullable RetryPolicy policy) {
		Assert.notNull(branches, "'branches' must not be null");
		Set<String> names = new HashSet<>();
		for (Branch<? extends T> branch : branches) {
			Assert.notNull(branch, "'branches' must not contain null");
			Assert.isTrue(names.add(branch.name()), () -> "Parallel step '" + id + "' of " + this.scope.describe()
					+ " has two branches named '" + branch.name() + "'");
		}
		String stepId = begin(id);
		List<String> branchIds = branches.stream().map((branch) -> uniqueId(stepId + "/" + branch.name())).toList();
		this.inStep = true;
		try {
			RetryPolicy retry = (policy != null) ? policy.orElse(this.scope.retry()) : this.scope.retry();
			return runBranches(stepId, branchIds, branches, retry);
		}
		catch (RunInterruption ex) {
			this.interruption = ex;
			throw ex;
		}
		finally {
			this.inStep = false;
		}
	}

	/**
	 * Returns the stored results of completed branches and runs the others at once, each
	 * writing its own checkpoint as soon as it completes (deferring it, as a step does,
	 * would lose it when a sibling fails or parks the run).
	 */
	@SuppressWarnings("unchecked")
	private <T> List<@Nullable T> runBranches(String stepId, List<String> branchIds,
			List<? extends Branch<? extends T>> branches, RetryPolicy retry) {
		List<@Nullable T> results = new ArrayList<>(Collections.nCopies(branches.size(), null));
		List<Integer> running = new ArrayList<>();
		List<Callable<Completed<?>>> bodies = new ArrayList<>();
		for (int i = 0; i < branches.size(); i++) {
			String branchId = branchIds.get(i);
			StepRecord previous = this.stored.get(branchId);
			if (previous != null && previous.status() == StepStatus.COMPLETED) {
				results.set(i, decode(previous, branches.get(i).type()));
			}
			else {
				running.add(i);
				bodies.add(branchBody(branchId, branches.get(i), (previous != null) ? previous.attempts() : 0, retry));
			}
		}
		if (bodies.isEmpty()) {
			return results;
		}
		String description = "parallel step '" + stepId + "' of " + this.scope.describe();
		List<ParallelBranches.Ended<Completed<?>>> ended = new ParallelBranches(this.scope.branches(), description)
			.runAll(bodies);
		Throwable failure = null;
		for (int i = 0; i < ended.size(); i++) {
			ParallelBranches.Ended<Completed<?>> outcome = ended.get(i);
			Completed<?> completed = outcome.result();
			if (outcome.failure() == null && completed != null) {
				this.stored.put(completed.record().stepId(), completed.record());
				results.set(running.get(i), (T) completed.result());
			}
			else {
				failure = moreSevere(failure, outcome.failure());
			}
		}
		if (Thread.currentThread().isInterrupted() && severity(failure) > 0) {
			// The run was cancelled, which a branch tells, or the engine stops: recording
			// any other outcome would take the interrupted worker into JDBC calls.
			failure = new RunInterruption.Abandoned(
					"The " + description + " was interrupted; the run resumes from its last checkpoint", failure);
		}
		if (failure instanceof RuntimeException ex) {
			throw ex;
		}
		if (failure instanceof Error ex) {
			throw ex;
		}
		if (failure != null) {
			throw new IllegalStateException("A branch of " + description + " failed", failure);
		}
		return results;
	}

	private Callable<Completed<?>> branchBody(String branchId, Branch<?> branch, int previousAttempts,
			RetryPolicy retry) {
		// The worker's log context and observation carry over to the branch's thread.
		Map<String, String> logContext = LogContext.copy();
		Observation parent = this.scope.observations().current();
		return () -> {
			Thread thread = Thread.currentThread();
			this.branchThreads.put(thread, branchId);
			LogContext.set(logContext);
			try (Observation.Scope observed = (parent != null) ? parent.openScope() : null) {
				Completed<?> completed = attempt(branchId, branch, previousAttempts, retry);
				save(completed.record());
				return completed;
			}
			finally {
				LogContext.set(null);
				this.branchThreads.remove(thread);
			}
		};
	}

	private <T> Completed<T> attempt(String branchId, Branch<T> branch, int previousAttempts, RetryPolicy retry) {
		return attempt(branchId, branch.type(), branch.action(), previousAttempts, retry);
	}

	/**
	 * Picks the failure of a parallel step to throw when several branches failed: a lost
	 * lease or a cancellation, which end the execution without writing anything, first,
	 * then what stops the run otherwise, then a failed branch, which fails the run, then
	 * the longest park, so that no branch is retried before its backoff has passed.
	 */
	private static @Nullable Throwable moreSevere(@Nullable Throwable first, @Nullable Throwable second) {
		if (first == null || second == null) {
			return (first != null) ? first : second;
		}
		int firstRank = severity(first);
		int secondRank = severity(second);
		if (firstRank != secondRank) {
			return (firstRank < secondRank) ? first : second;
		}
		if (first instanceof RunInterruption.Park park && second instanceof RunInterruption.Park other) {
			return (other.delay().compareTo(park.delay()) > 0) ? other : first;
		}
		return first;
	}

	private static int severity(@Nullable Throwable failure) {
		if (failure == null) {
			return 5;
		}
		if (failure instanceof RunInterruption.LeaseLost || failure instanceof RunInterruption.Cancelled) {
			return 0;
		}
		if (failure instanceof RunInterruption.Park) {
			return 4;
		}
		if (failure instanceof RunInterruption) {
			return 1;
		}
		return (failure instanceof Error) ? 2 : 3;
	}

	@Override
	public void sleep(String id, Duration duration) {
		Assert.notNull(duration, "'duration' must not be null");
		sleep(id, () -> this.scope.clock().instant().plus(duration));
	}

	@Override
	public void sleepUntil(String id, Instant time) {
		Assert.notNull(time, "'time' must not be null");
		sleep(id, () -> time);
	}

	@Override
	public String sendEvent(String id, String name, Object data) {
		return sendEvent(id, name, data, null);
	}

	/**
	 * Sends an event as a step, retried as a policy of its own says.
	 * @param id the step id
	 * @param name the event name
	 * @param data the payload
	 * @param policy the step's policy over the function's, or {@code null} for the
	 * function's
	 * @return the event id
	 */
	String sendEvent(String id, String name, Object data, @Nullable RetryPolicy policy) {
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		EventPublisher events = this.scope.events();
		if (events == null) {
			throw new IllegalStateException("Step '" + id + "' of " + this.scope.describe()
					+ " cannot send an event: no EventPublisher is available");
		}
		String eventId = execute(id, String.class, (stepId) -> () -> send(events, stepId, name, data), policy);
		Assert.state(eventId != null, "A sent event has an id");
		return eventId;
	}

	private String send(EventPublisher events, String stepId, String name, Object data) {
		try {
			return events.send(Event.of(name, data).withId(derivedEventId("", stepId)));
		}
		catch (RuntimeException ex) {
			if (Faults.isTransient(ex)) {
				throw new RunInterruption.Abandoned("Could not send event '" + name + "' in step '" + stepId + "' of "
						+ this.scope.describe() + ": the broker is unavailable; the run resumes from its last "
						+ "checkpoint without spending a retry", ex);
			}
			throw ex;
		}
	}

	/**
	 * Returns the interruption raised by a step, if any, even if the handler swallowed
	 * it.
	 * @return the interruption, or {@code null}
	 */
	@Nullable RunInterruption interruption() {
		return this.interruption;
	}

	@Override
	public <T> @Nullable T invoke(String id, String functionId, Object data, Class<T> type) {
		Assert.hasText(functionId, "'functionId' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		Assert.notNull(type, "'type' must not be null");
		return this.waiting.invoke(begin(id), functionId, data, type);
	}

	@Override
	public <T> @Nullable T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type) {
		Assert.hasText(functionId, "'functionId' must not be empty");
		Assert.notNull(data, "'data' must not be null");
		Assert.notNull(type, "'type' must not be null");
		return this.waiting.invoke(begin(id), functionId, data, type.getType());
	}

	@Override
	public <T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout, String match) {
		Assert.hasText(event, "'event' must not be empty");
		Assert.notNull(type, "'type' must not be null");
		Assert.isTrue(timeout != null && !timeout.isNegative(), "'timeout' must not be null or negative");
		MatchExpression expression = MatchExpression.parse(match);
		return this.waiting.waitForEvent(begin(id), event, type, timeout, expression);
	}

	@Override
	public <T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type,
			Duration timeout, String match) {
		Assert.hasText(event, "'event' must not be empty");
		Assert.notNull(type, "'type' must not be null");
		Assert.isTrue(timeout != null && !timeout.isNegative(), "'timeout' must not be null or negative");
		MatchExpression expression = MatchExpression.parse(match);
		return this.waiting.waitForEvent(begin(id), event, type.getType(), timeout, expression);
	}

	/**
	 * Returns the stored step with the given id, if any.
	 * @param stepId the unique step id
	 * @return the stored step, or {@code null}
	 */
	@Nullable StepRecord stored(String stepId) {
		return this.stored.get(stepId);
	}

	/**
	 * Checkpoints a step's outcome, stopping the run if the checkpoint cannot be written.
	 * @param step the outcome
	 */
	void record(StepRecord step) {
		interruptible(() -> save(step));
		this.stored.put(step.stepId(), step);
	}

	/**
	 * Remembers an interruption, so that the run stops even if the handler swallows it.
	 * @param interruption the interruption
	 * @return the interruption, to throw
	 */
	RunInterruption interrupt(RunInterruption interruption) {
		this.interruption = interruption;
		return interruption;
	}

	<R> @Nullable R database(String stepId, Supplier<@Nullable R> action) {
		try {
			return action.get();
		}
		catch (RuntimeException ex) {
			this.interruption = storeFailure("record step '" + stepId + "' of " + this.scope.describe(), stepId, ex);
			throw this.interruption;
		}
	}

	private void sleep(String requestedId, Supplier<Instant> wakeTime) {
		String stepId = begin(requestedId);
		StepRecord previous = this.stored.get(stepId);
		boolean resumed = previous != null && previous.status() == StepStatus.COMPLETED;
		Instant wakeAt = resumed ? storedWakeTime(previous) : wakeTime.get();
		if (!resumed) {
			Instant now = this.scope.clock().instant();
			String output = this.scope.codec()
				.encode(wakeAt.toString(), "wake time of step '" + stepId + "' of " + this.scope.describe());
			StepRecord sleeping = new StepRecord(this.scope.runId(), stepId, StepStatus.COMPLETED, 1, output, null, now,
					now);
			interruptible(() -> save(sleeping));
			this.stored.put(stepId, sleeping);
		}
		Duration remaining = Duration.between(this.scope.clock().instant(), wakeAt);
		if (remaining.toMillis() >= 1) {
			logger.debug(() -> "Step '" + stepId + "' of " + this.scope.describe() + " sleeps until " + wakeAt);
			this.interruption = new RunInterruption.Park(remaining, null);
			throw this.interruption;
		}
		if (resumed) {
			Duration lateness = remaining.negated();
			logger.debug(() -> "Step '" + stepId + "' of " + this.scope.describe() + " woke " + lateness.toMillis()
					+ " ms after its wake time");
			this.scope.listener().sleepEnded(this.scope.runId(), this.scope.functionId(), stepId, lateness);
		}
	}

	private Instant storedWakeTime(StepRecord step) {
		String what = "stored wake time of step '" + step.stepId() + "' of " + this.scope.describe();
		Object time = (step.output() != null) ? this.scope.codec().decode(step.output(), String.class, what) : null;
		if (!(time instanceof String text)) {
			throw new IllegalStateException("The " + what + " is missing");
		}
		return Instant.parse(text);
	}

	private void interruptible(Runnable action) {
		try {
			action.run();
		}
		catch (RunInterruption ex) {
			this.interruption = ex;
			throw ex;
		}
	}

	String derivedEventId(String prefix, String stepId) {
		String eventId = prefix + this.scope.runId() + ":" + stepId;
		if (eventId.length() <= 255) {
			return eventId;
		}
		return prefix + this.scope.runId() + ":" + UUID.nameUUIDFromBytes(stepId.getBytes(StandardCharsets.UTF_8));
	}

	private String begin(String requestedId) {
		Assert.hasText(requestedId, "'id' must not be empty");
		Assert.isTrue(requestedId.indexOf('\u0000') < 0,
				() -> "Step id '" + requestedId + "' of " + this.scope.describe() + " must not contain U+0000");
		String branch = this.branchThreads.get(Thread.currentThread());
		if (branch != null) {
			throw new IllegalStateException("Step '" + requestedId + "' of " + this.scope.describe()
					+ " is nested in branch '" + branch + "' of a parallel step; a branch cannot run steps");
		}
		if (Thread.currentThread() != this.owner) {
			throw new IllegalStateException("Step '" + requestedId + "' of " + this.scope.describe()
					+ " was called from another thread; steps must run on the handler's thread");
		}
		if (this.inStep) {
			throw new IllegalStateException(
					"Step '" + requestedId + "' of " + this.scope.describe() + " is nested in another step");
		}
		if (this.interruption != null) {
			throw this.interruption;
		}
		stopIfCancelled();
		stopIfPastFinishTimeout(requestedId);
		writeUnwritten();
		return uniqueId(requestedId);
	}

	private <T> @Nullable T execute(String requestedId, Type type, Function<String, Callable<T>> actionForStep,
			@Nullable RetryPolicy policy) {
		String stepId = begin(requestedId);
		Callable<T> action = actionForStep.apply(stepId);
		StepRecord previous = this.stored.get(stepId);
		if (previous != null && previous.status() == StepStatus.COMPLETED) {
			return decode(previous, type);
		}
		int attempts = (previous != null) ? previous.attempts() : 0;
		this.inStep = true;
		try {
			RetryPolicy retry = (policy != null) ? policy.orElse(this.scope.retry()) : this.scope.retry();
			Completed<T> completed = attempt(stepId, type, action, attempts, retry);
			this.unwritten = completed.record();
			this.stored.put(stepId, completed.record());
			return completed.result();
		}
		catch (RunInterruption ex) {
			this.interruption = ex;
			throw ex;
		}
		finally {
			this.inStep = false;
		}
	}

	/**
	 * Runs a step's attempts until one succeeds, touching no state of this instance, so
	 * that the branches of a parallel step can run it on their own threads.
	 * @return the result with the checkpoint to write
	 */
	private <T> Completed<T> attempt(String stepId, Type type, Callable<T> action, int previousAttempts,
			RetryPolicy retry) {
		int attempts = previousAttempts;
		Execution execution = this.scope.execution();
		while (true) {
			stopIfCancelled();
			attempts++;
			Instant started = this.scope.clock().instant();
			T result;
			boolean timedOut = false;
			Observation observation = this.scope.observations().startStep(this.scope.functionId(), stepId);
			LogContext.put(LogContext.STEP_ID, stepId);
			try (Observation.Scope observed = observation.openScope()) {
				execution.enterStep();
				try {
					result = action.call();
				}
				finally {
					timedOut = execution.leaveStep();
				}
			}
			catch (RunInterruption ex) {
				throw ex;
			}
			catch (Exception ex) {
				observation.error(ex);
				// A cancelled run records nothing more, not even this failure.
				stopIfCancelled();
				Duration timeout = execution.stepTimeout();
				if (timedOut && timeout != null) {
					retryOrFail(stepId, attempts, started,
							new StepTimeoutException(stepId, this.scope.functionId(), this.scope.runId(), timeout, ex),
							retry);
					continue;
				}
				if (ex instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
					throw new RunInterruption.Abandoned("Step '" + stepId + "' of " + this.scope.describe()
							+ " was interrupted; the run resumes from its last checkpoint", ex);
				}
				retryOrFail(stepId, attempts, started, ex, retry);
				continue;
			}
			finally {
				observation.stop();
				LogContext.remove(LogContext.STEP_ID);
			}
			String output;
			try {
				output = (type == Void.class) ? null : this.scope.codec()
					.encode(result, "result of step '" + stepId + "' of " + this.scope.describe());
			}
			catch (PayloadException ex) {
				save(new StepRecord(this.scope.runId(), stepId, StepStatus.FAILED, attempts, null, ErrorSummary.of(ex),
						started, this.scope.clock().instant()));
				throw new StepFailedException(ex.getMessage(), stepId, attempts, ex);
			}
			Instant finished = this.scope.clock().instant();
			StepRecord completed = new StepRecord(this.scope.runId(), stepId, StepStatus.COMPLETED, attempts, output,
					null, started, finished);
			this.scope.listener()
				.stepCompleted(this.scope.run(), stepId, attempts, Duration.between(started, finished));
			return new Completed<>(result, completed);
		}
	}

	private void retryOrFail(String stepId, int attempts, Instant started, Exception failure, RetryPolicy retry) {
		String error = ErrorSummary.of(failure);
		save(new StepRecord(this.scope.runId(), stepId, StepStatus.FAILED, attempts, null, error, started,
				this.scope.clock().instant()));
		if (!retry.isRetryable(failure)) {
			throw new StepFailedException("Step '" + stepId + "' of " + this.scope.describe() + " failed after "
					+ attempts + ((attempts == 1) ? " attempt" : " attempts") + " with a failure that is not retried: "
					+ failure, stepId, attempts, failure);
		}
		if (attempts >= retry.maxAttempts().orElse(1)) {
			throw new StepFailedException("Step '" + stepId + "' of " + this.scope.describe() + " failed after "
					+ attempts + " attempts: " + failure, stepId, attempts, failure);
		}
		Duration delay = retry.delayAfter(attempts, failure);
		this.scope.listener().stepRetrying(this.scope.run(), stepId, attempts, delay, failure);
		if (delay.compareTo(this.scope.parkThreshold()) > 0) {
			throw new RunInterruption.Park(delay, error);
		}
		try {
			Thread.sleep(delay.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RunInterruption.Abandoned("Retry backoff of step '" + stepId + "' of " + this.scope.describe()
					+ " was interrupted; the run resumes from its last checkpoint", ex);
		}
	}

	/**
	 * Writes a step's checkpoint. A transient failure (database unreachable, pool
	 * exhausted, commit outcome unknown) is retried here for as long as it lasts, with
	 * the result kept in memory: giving up would run the step's body again on the next
	 * execution. Meanwhile the run stays held, so its lease is renewed whenever the
	 * database answers. Retrying is safe: the write is fenced by the version and an
	 * upsert, so a commit that did happen is only repeated, and a run another instance
	 * took over is found out. The retries end when the checkpoint is written, the lease
	 * is lost, the failure is permanent, or the engine stops (which interrupts the
	 * worker).
	 */
	private void save(StepRecord step) {
		if (!write(new Checkpoint.StepSaved(step, this.scope.version()), "step '" + step.stepId() + "'",
				step.stepId())) {
			stopIfCancelled();
			throw new RunInterruption.LeaseLost("Lost the lease of " + this.scope.describe()
					+ " before checkpointing step '" + step.stepId() + "'; another instance owns the run now");
		}
	}

	/**
	 * Stops the run if it was cancelled while it executed: no later step starts, and the
	 * result of a step that finished meanwhile is dropped (the database would refuse it
	 * anyway, as cancelling bumped the run's version).
	 * @throws RunInterruption.Cancelled if it was cancelled
	 */
	private void stopIfCancelled() {
		String reason = this.scope.execution().cancelled();
		if (reason != null) {
			throw interrupt(new RunInterruption.Cancelled(
					"Stopped " + this.scope.describe() + ": it was cancelled (" + reason + ")", reason));
		}
	}

	/**
	 * Cancels the run, as an operator would, once its finish timeout has passed: checked
	 * as each step begins, from memory, so it costs no read. Runs that are not executing
	 * are cancelled by the due-work poller's sweep.
	 */
	private void stopIfPastFinishTimeout(String stepId) {
		Execution execution = this.scope.execution();
		Instant deadline = execution.finishDeadline();
		Duration timeout = execution.finishTimeout();
		if (deadline == null || timeout == null || this.scope.clock().instant().isBefore(deadline)) {
			return;
		}
		String reason = FunctionTimeouts.finishTimeoutPassed(timeout);
		database(stepId, () -> this.scope.runStore().cancel(this.scope.runId(), reason));
		execution.cancel(reason, false);
		stopIfCancelled();
	}

	/**
	 * Writes the checkpoint of the last completed step, if it was deferred.
	 * @throws RunInterruption if it cannot be written
	 */
	void writeUnwritten() {
		StepRecord step = this.unwritten;
		if (step != null) {
			this.unwritten = null;
			interruptible(() -> save(step));
		}
	}

	/**
	 * Records the run's completion, with the deferred checkpoint of its last step, in one
	 * commit, retrying transient failures as a step checkpoint does: giving up would run
	 * the last step's body again.
	 * @param output the handler's result as JSON, or {@code null}
	 * @return whether it was written; {@code false} if the lease was lost
	 * @throws RunInterruption if it cannot be written
	 */
	boolean complete(@Nullable String output) {
		StepRecord last = this.unwritten;
		this.unwritten = null;
		String stepId = (last != null) ? last.stepId() : null;
		String what = (last != null) ? "step '" + stepId + "' with the completion" : "the completion";
		return write(new Checkpoint.RunCompleted(this.scope.runId(), this.scope.version(), output, last), what, stepId);
	}

	/**
	 * Writes a checkpoint. A transient failure (database unreachable, pool exhausted,
	 * commit outcome unknown) is retried here for as long as it lasts, with the result
	 * kept in memory: giving up would run the step's body again on the next execution.
	 * Meanwhile the run stays held, so its lease is renewed whenever the database
	 * answers. Retrying is safe: the write is fenced by the version and an upsert, so a
	 * commit that did happen is only repeated, and a run another instance took over is
	 * found out. The retries end when the checkpoint is written, the lease is lost, the
	 * failure is permanent, or the engine stops (which interrupts the worker).
	 */
	private boolean write(Checkpoint checkpoint, String what, @Nullable String stepId) {
		long started = System.nanoTime();
		long backoffMillis = CHECKPOINT_RETRY_INITIAL.toMillis();
		boolean warned = false;
		while (true) {
			boolean written;
			try {
				written = this.scope.checkpoints().write(checkpoint);
			}
			catch (RuntimeException ex) {
				if (!Faults.isTransient(ex)) {
					throw storeFailure("checkpoint " + what + " of " + this.scope.describe(), stepId, ex);
				}
				if (!warned && System.nanoTime() - started > CHECKPOINT_RETRY_QUIET.toNanos()) {
					warned = true;
					logger.warn(ex,
							() -> "Still retrying the checkpoint of " + what + " of " + this.scope.describe()
									+ " after " + CHECKPOINT_RETRY_QUIET.toSeconds()
									+ " s; its result is kept until the database answers");
				}
				else {
					logger.debug(ex, () -> "Retrying the checkpoint of " + what + " of " + this.scope.describe()
							+ " after a transient failure");
				}
				pauseBeforeRetry(what, backoffMillis, ex);
				backoffMillis = Math.min(backoffMillis * 2, CHECKPOINT_RETRY_MAX.toMillis());
				continue;
			}
			if (warned) {
				logger.info(() -> "Checkpointed " + what + " of " + this.scope.describe() + " after "
						+ Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s of retries");
			}
			return written;
		}
	}

	private void pauseBeforeRetry(String what, long millis, RuntimeException failure) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RunInterruption.Abandoned("Interrupted while retrying the checkpoint of " + what + " of "
					+ this.scope.describe() + "; the run resumes from its last checkpoint", failure);
		}
	}

	/**
	 * Turns a failed write into the interruption that stops the run: an abandoned
	 * execution when the failure is transient, a failed run when it is permanent.
	 */
	private static RunInterruption storeFailure(String action, @Nullable String stepId, RuntimeException failure) {
		if (Faults.isTransient(failure)) {
			return new RunInterruption.Abandoned(
					"Could not " + action + "; the run resumes from its last checkpoint without spending a retry",
					failure);
		}
		return new RunInterruption.Failed("Could not " + action + ": the database refused it for good", stepId,
				failure);
	}

	/**
	 * Reads a stored step result back as the type the handler asked for.
	 * @param <T> the result type, which the codec decoded the JSON to
	 * @param step the stored step
	 * @param type the result type, possibly generic
	 * @return the result
	 */
	@SuppressWarnings("unchecked")
	<T> @Nullable T decode(StepRecord step, Type type) {
		if (type == Void.class || step.output() == null) {
			return null;
		}
		return (T) this.scope.codec()
			.decode(step.output(), type, "stored result of step '" + step.stepId() + "' of " + this.scope.describe());
	}

	private String uniqueId(String requestedId) {
		int count = this.idCounts.merge(requestedId, 1, Integer::sum);
		return (count == 1) ? requestedId : requestedId + "#" + count;
	}

	/**
	 * A step's result with its checkpoint.
	 */
	private record Completed<T>(@Nullable T result, StepRecord record) {

	}

}
