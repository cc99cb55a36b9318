package dev.backgroundjobs.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.StepFailedException;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.RunTimeouts;
import dev.backgroundjobs.function.invoke.Invocation;
import dev.backgroundjobs.function.invoke.StoredEvent;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStore;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Executes one claimed run on the calling worker thread: marks it running (unless it was
 * recorded as running when its event arrived), invokes the handler with a
 * {@link DefaultStep} over the run's stored steps, and records the outcome (completed,
 * parked for a backoff, or failed as a dead letter). Step results and completions go
 * through the {@link CheckpointWriter}'s group commit.
 * <p>
 * Every write is fenced by the version the run was claimed with, so an execution that
 * lost its lease stops without overwriting the newer one.
 * <p>
 * Failures of the infrastructure are told apart by {@link Faults#isTransient}: a
 * transient one (the database or the broker unreachable, a commit whose outcome is
 * unknown) abandons the execution, spending no retry, and the caller executes the run
 * again later from its last checkpoint; a permanent one (a value the database refuses)
 * fails the run with a dead letter, as retrying it could only fail the same way again.
 */
public final class RunExecutor {

	private static final LogAccessor logger = new LogAccessor(RunExecutor.class);

	/**
	 * Branches run at once by an executor created without a {@link BranchPool}.
	 */
	private static final int DEFAULT_BRANCH_CONCURRENCY = 64;

	private final RunStore runStore;

	private final StepStore stepStore;

	private final FunctionRegistry functions;

	private final PayloadCodec codec;

	private final EngineSettings settings;

	private final RunListeners listeners;

	private final RunObservations observations;

	private final @Nullable EventPublisher events;

	private final EventWaitStore waits;

	private final CheckpointWriter checkpoints;

	private final Executions executions;

	private final FailureHandlerRuns failureHandlerRuns;

	private final BranchPool branches;

	private final FunctionTimeouts timeouts;

	/**
	 * Creates an executor.
	 * @param runStore the run store
	 * @param stepStore the step store
	 * @param functions the functions
	 * @param codec the payload codec
	 * @param settings the engine settings
	 * @param listeners callbacks on run outcomes
	 * @param observations observes runs and steps
	 * @param events publishes the events that runs send with
	 * {@link dev.backgroundjobs.Step#sendEvent}, or {@code null} if none is available
	 * @param waits stores the waits of {@link dev.backgroundjobs.Step#waitForEvent}
	 * @param checkpoints writes step results and completions in group commits
	 */
	public RunExecutor(RunStore runStore, StepStore stepStore, FunctionRegistry functions, PayloadCodec codec,
			EngineSettings settings, List<RunLifecycleListener> listeners, RunObservations observations,
			@Nullable EventPublisher events, EventWaitStore waits, CheckpointWriter checkpoints) {
		this(runStore, stepStore, functions, codec, settings, listeners, observations, events, waits, checkpoints,
				new Executions(false));
	}

	/**
	 * Creates an executor.
	 * @param runStore the run store
	 * @param stepStore the step store
	 * @param functions the functions
	 * @param codec the payload codec
	 * @param settings the engine settings
	 * @param listeners callbacks on run outcomes
	 * @param observations observes runs and steps
	 * @param events publishes the events that runs send with
	 * {@link dev.backgroundjobs.Step#sendEvent}, or {@code null} if none is available
	 * @param waits stores the waits of {@link dev.backgroundjobs.Step#waitForEvent}
	 * @param checkpoints writes step results and completions in group commits
	 * @param executions registers the executions in flight, so that a cancellation
	 * reaches them
	 */
	public RunExecutor(RunStore runStore, StepStore stepStore, FunctionRegistry functions, PayloadCodec codec,
			EngineSettings settings, List<RunLifecycleListener> listeners, RunObservations observations,
			@Nullable EventPublisher events, EventWaitStore waits, CheckpointWriter checkpoints,
			Executions executions) {
		this(runStore, stepStore, functions, codec, settings, listeners, observations, events, waits, checkpoints,
				executions, defaultBranchPool());
	}

	private static BranchPool defaultBranchPool() {
		CustomizableThreadFactory threads = new CustomizableThreadFactory("background-jobs-branch-");
		threads.setDaemon(true);
		return new BranchPool(DEFAULT_BRANCH_CONCURRENCY, threads);
	}

	/**
	 * Creates an executor.
	 * @param runStore the run store
	 * @param stepStore the step store
	 * @param functions the functions
	 * @param codec the payload codec
	 * @param settings the engine settings
	 * @param listeners callbacks on run outcomes
	 * @param observations observes runs and steps
	 * @param events publishes the events that runs send with
	 * {@link dev.backgroundjobs.Step#sendEvent}, or {@code null} if none is available
	 * @param waits stores the waits of {@link dev.backgroundjobs.Step#waitForEvent}
	 * @param checkpoints writes step results and completions in group commits
	 * @param executions registers the executions in flight, so that a cancellation
	 * reaches them
	 * @param branches runs the branches of {@link dev.backgroundjobs.Step#parallel
	 * parallel steps}
	 */
	public RunExecutor(RunStore runStore, StepStore stepStore, FunctionRegistry functions, PayloadCodec codec,
			EngineSettings settings, List<RunLifecycleListener> listeners, RunObservations observations,
			@Nullable EventPublisher events, EventWaitStore waits, CheckpointWriter checkpoints, Executions executions,
			BranchPool branches) {
		this(runStore, stepStore, functions, codec, settings, listeners, observations, events, waits, checkpoints,
				executions, branches, new FunctionTimeouts(functions, Map.of()));
	}

	/**
	 * Creates an executor.
	 * @param runStore the run store
	 * @param stepStore the step store
	 * @param functions the functions
	 * @param codec the payload codec
	 * @param settings the engine settings
	 * @param listeners callbacks on run outcomes
	 * @param observations observes runs and steps
	 * @param events publishes the events that runs send with
	 * {@link dev.backgroundjobs.Step#sendEvent}, or {@code null} if none is available
	 * @param waits stores the waits of {@link dev.backgroundjobs.Step#waitForEvent}
	 * @param checkpoints writes step results and completions in group commits
	 * @param executions registers the executions in flight, so that a cancellation
	 * reaches them
	 * @param branches runs the branches of {@link dev.backgroundjobs.Step#parallel
	 * parallel steps}
	 * @param timeouts the time limits of each function's runs
	 */
	public RunExecutor(RunStore runStore, StepStore stepStore, FunctionRegistry functions, PayloadCodec codec,
			EngineSettings settings, List<RunLifecycleListener> listeners, RunObservations observations,
			@Nullable EventPublisher events, EventWaitStore waits, CheckpointWriter checkpoints, Executions executions,
			BranchPool branches, FunctionTimeouts timeouts) {
		this.executions = executions;
		this.timeouts = timeouts;
		this.runStore = runStore;
		this.stepStore = stepStore;
		this.functions = functions;
		this.codec = codec;
		this.settings = settings;
		this.listeners = new RunListeners(listeners);
		this.observations = observations;
		this.events = events;
		this.waits = waits;
		this.checkpoints = checkpoints;
		this.failureHandlerRuns = new FailureHandlerRuns(functions, codec, settings.clock());
		this.branches = branches;
	}

	/**
	 * Executes a run this instance has claimed.
	 * @param run the run with the version this instance holds
	 * @param fresh whether the run was just recorded, as started and with no steps, so
	 * neither a start nor its steps need to be read or written
	 * @return whether the run must be executed again later, because the execution was
	 * abandoned on a transient failure of the database or the broker; {@code false} when
	 * the execution ended (completed, parked, failed or lost its lease)
	 */
	public boolean execute(RunRecord run, boolean fresh) {
		LogContext.put(LogContext.RUN_ID, run.runId());
		LogContext.put(LogContext.FUNCTION_ID, run.functionId());
		Execution execution = this.executions.begin(run);
		try {
			if (!fresh && startTimeoutPassed(run)) {
				return false;
			}
			if (!fresh && !this.runStore.start(run.runId(), run.version())) {
				logger.debug(() -> "Run " + run.runId() + " is no longer leased to this instance; skipped");
				return false;
			}
			FunctionDefinition function = this.functions.find(run.functionId());
			if (function == null) {
				fail(run, null, "No function '" + run.functionId() + "' is registered in this application");
				return false;
			}
			if (!limit(run, execution)) {
				return false;
			}
			List<StepRecord> steps = fresh ? List.of() : this.stepStore.findSteps(run.runId());
			Observation observation = this.observations.startRun(run);
			try (Observation.Scope observed = observation.openScope()) {
				invoke(run, function, steps, observation, fresh ? run.attempt() : run.attempt() + 1, execution);
			}
			finally {
				observation.stop();
			}
			return false;
		}
		catch (RunInterruption.Abandoned ex) {
			String reason = execution.cancelled();
			if (reason != null) {
				// Interrupted by the cancellation: the run is already recorded as
				// cancelled.
				cancelled(run, reason);
				return false;
			}
			logger.warn(ex.getCause(), ex::getMessage);
			return true;
		}
		catch (RuntimeException ex) {
			if (Faults.isTransient(ex)) {
				logger.warn(ex, () -> "Database or broker unavailable while executing run " + run.runId()
						+ " of function '" + run.functionId() + "'; it resumes from its last checkpoint");
				return true;
			}
			// Trying again would fail the same way: fail the run, which a replay resumes.
			fail(run, null, "Could not execute run " + run.runId() + " of function '" + run.functionId() + "': "
					+ ErrorSummary.of(ex));
			return false;
		}
		finally {
			this.executions.end(execution);
			LogContext.remove(LogContext.RUN_ID);
			LogContext.remove(LogContext.FUNCTION_ID);
		}
	}

	/**
	 * Cancels a run that waited longer than its start timeout to start, before marking it
	 * running. The due-work poller's sweep cancels runs that are never claimed.
	 * @return whether it was cancelled (or is no longer held)
	 */
	private boolean startTimeoutPassed(RunRecord run) {
		Duration timeout = this.timeouts.of(run.functionId()).start();
		if (timeout == null || run.startedAt() != null
				|| this.settings.clock().instant().isBefore(run.createdAt().plus(timeout))) {
			return false;
		}
		String reason = FunctionTimeouts.startTimeoutPassed(timeout);
		if (this.runStore.cancel(run.runId(), reason)) {
			cancelled(run, reason);
		}
		return true;
	}

	/**
	 * Sets the execution's step timeout and finish deadline, cancelling the run if its
	 * finish timeout has already passed.
	 * @return whether the run may execute
	 */
	private boolean limit(RunRecord run, Execution execution) {
		RunTimeouts limits = this.timeouts.of(run.functionId());
		Duration finish = limits.finish();
		Instant deadline = null;
		if (finish != null) {
			Instant now = this.settings.clock().instant();
			deadline = ((run.startedAt() != null) ? run.startedAt() : now).plus(finish);
			if (!now.isBefore(deadline)) {
				String reason = FunctionTimeouts.finishTimeoutPassed(finish);
				if (this.runStore.cancel(run.runId(), reason)) {
					cancelled(run, reason);
				}
				return false;
			}
		}
		execution.limit(limits.step(), deadline, finish);
		return true;
	}

	private void invoke(RunRecord run, FunctionDefinition function, List<StepRecord> steps, Observation observation,
			int attempt, Execution execution) {
		Instant started = this.settings.clock().instant();
		RunScope scope = new RunScope(run, function.retry(), this.checkpoints, this.codec,
				this.settings.parkThreshold(), this.settings.clock(), this.listeners, this.observations, this.events,
				this.runStore, this.functions, this.waits, execution, this.branches);
		DefaultStep step = new DefaultStep(scope, steps);
		RunContext context = new RunContext(run.runId(), run.functionId(), run.eventId(), attempt);
		StoredEvent event = new StoredEvent(run.eventId(), run.eventName(), run.eventData(), run.eventTime());
		this.listeners.runStarted(run, context.attempt());
		Object output;
		try {
			output = function.invoker().invoke(new Invocation(context, step, event));
		}
		catch (RunInterruption ex) {
			if (writeUnwrittenStep(run, step)) {
				handle(run, ex);
			}
			return;
		}
		catch (StepFailedException ex) {
			observation.error(ex);
			if (writeUnwrittenStep(run, step)) {
				fail(run, ex.getStepId(), ErrorSummary.of(ex));
			}
			return;
		}
		catch (PayloadException ex) {
			// The event cannot be read as the handler's type: retrying cannot fix that.
			observation.error(ex);
			if (writeUnwrittenStep(run, step)) {
				fail(run, null, ErrorSummary.of(ex));
			}
			return;
		}
		catch (Throwable ex) {
			observation.error(ex);
			if (writeUnwrittenStep(run, step)) {
				handlerFailed(run, function, ex);
			}
			return;
		}
		RunInterruption swallowed = step.interruption();
		if (swallowed != null) {
			if (writeUnwrittenStep(run, step)) {
				handle(run, swallowed);
			}
			return;
		}
		complete(run, output, scope, step, started);
	}

	/**
	 * Writes the checkpoint of a completed step the handler returned or failed after, so
	 * that parking or failing the run keeps it.
	 * @return whether the run's outcome may be recorded; {@code false} if the write
	 * stopped the run, which is then handled
	 */
	private boolean writeUnwrittenStep(RunRecord run, DefaultStep step) {
		try {
			step.writeUnwritten();
			return true;
		}
		catch (RunInterruption ex) {
			handle(run, ex);
			return false;
		}
	}

	private void complete(RunRecord run, @Nullable Object output, RunScope scope, DefaultStep step, Instant started) {
		String json;
		try {
			json = (output != null) ? this.codec.encode(output, "output of " + scope.describe()) : null;
		}
		catch (PayloadException ex) {
			if (writeUnwrittenStep(run, step)) {
				fail(run, null, ErrorSummary.of(ex));
			}
			return;
		}
		boolean written;
		try {
			written = step.complete(json);
		}
		catch (RunInterruption ex) {
			handle(run, ex);
			return;
		}
		if (!written) {
			fenced(run, "recording its completion");
			return;
		}
		this.listeners.runCompleted(run, Duration.between(started, this.settings.clock().instant()));
	}

	private void handle(RunRecord run, RunInterruption interruption) {
		if (interruption instanceof RunInterruption.Park park) {
			park(run, park.delay(), park.error(), run.handlerFailures());
		}
		else if (interruption instanceof RunInterruption.AwaitChild await) {
			if (!this.runStore.awaitChild(run.runId(), run.version(), await.childRunId())) {
				fenced(run, "it could wait for its child run");
			}
		}
		else if (interruption instanceof RunInterruption.AwaitEvent await) {
			if (!this.waits.awaitEvent(run.runId(), run.version(), await.stepId(), await.eventName(), await.matchPath(),
					await.matchValue(), await.timeout())) {
				fenced(run, "it could wait for an event");
			}
		}
		else if (interruption instanceof RunInterruption.Cancelled cancelled) {
			cancelled(run, cancelled.reason());
		}
		else if (interruption instanceof RunInterruption.LeaseLost) {
			if (!wasCancelled(run)) {
				logger.warn(interruption::getMessage);
			}
		}
		else if (interruption instanceof RunInterruption.Failed failed) {
			logger.warn(failed.getCause(), failed::getMessage);
			fail(run, failed.stepId(), failed.getMessage() + "\n" + ErrorSummary.of(failed.getCause()));
		}
		else {
			throw interruption;
		}
	}

	/**
	 * Retries a handler that failed outside its steps as the function's policy says: the
	 * run parks for the backoff, or for the delay of a {@code RetryAfterException}, and
	 * runs again from its last checkpoint.
	 */
	private void handlerFailed(RunRecord run, FunctionDefinition function, Throwable failure) {
		int failures = run.handlerFailures() + 1;
		String error = ErrorSummary.of(failure);
		RetryPolicy retry = function.retry();
		if (!retry.isRetryable(failure) || failures >= retry.maxAttempts().orElse(1)) {
			fail(run, null, error);
			return;
		}
		Duration delay = retry.delayAfter(failures, failure);
		this.listeners.stepRetrying(run, "(handler)", failures, delay, failure);
		park(run, delay, error, failures);
	}

	private void park(RunRecord run, Duration delay, @Nullable String error, int handlerFailures) {
		if (!this.runStore.park(run.runId(), run.version(), delay, error, handlerFailures)) {
			fenced(run, "parking it");
			return;
		}
		this.listeners.runParked(run, delay);
	}

	private void fail(RunRecord run, @Nullable String stepId, String error) {
		if (!this.runStore.fail(run.runId(), run.version(), stepId, error,
				this.failureHandlerRuns.of(run, stepId, error))) {
			fenced(run, "recording its failure");
			return;
		}
		this.listeners.runFailed(run, stepId, error);
	}

	/**
	 * Reports a fenced write that found the run changed: cancelled, or taken over by
	 * another instance.
	 */
	private void fenced(RunRecord run, String before) {
		if (!wasCancelled(run)) {
			logger.warn(() -> "Lost the lease of run " + run.runId() + " before " + before);
		}
	}

	/**
	 * Reads, after a fenced write failed, whether the run was cancelled, and if so
	 * reports the cancellation. Only a failed fence pays for this read.
	 */
	private boolean wasCancelled(RunRecord run) {
		RunRecord current;
		try {
			current = this.runStore.find(run.runId());
		}
		catch (RuntimeException ex) {
			logger.debug(ex, () -> "Could not read run " + run.runId() + " after its fence failed");
			return false;
		}
		if (current == null || current.status() != RunStatus.CANCELLED) {
			return false;
		}
		cancelled(run, (current.error() != null) ? current.error() : "cancelled");
		return true;
	}

	private void cancelled(RunRecord run, String reason) {
		logger.info(() -> "Stopped run " + run.runId() + " of function '" + run.functionId() + "': it was cancelled ("
				+ reason + ")");
		this.listeners.runCancelled(run, reason);
	}

}
