package dev.backgroundjobs.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.backgroundjobs.Step;
import dev.backgroundjobs.StepFailedException;
import dev.backgroundjobs.json.PayloadException;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.util.Assert;

/**
 * The {@link Step} of one execution of a run: returns stored results of completed steps,
 * runs and checkpoints new ones, and retries failing ones.
 * <p>
 * An instance is confined to the worker thread executing the run; calls from any other
 * thread are rejected.
 */
final class DefaultStep implements Step {

	private final RunScope scope;

	private final Map<String, StepRecord> stored = new HashMap<>();

	private final Map<String, Integer> idCounts = new HashMap<>();

	private final Thread owner = Thread.currentThread();

	private boolean inStep;

	private @Nullable RunInterruption interruption;

	DefaultStep(RunScope scope, List<StepRecord> storedSteps) {
		this.scope = scope;
		for (StepRecord step : storedSteps) {
			this.stored.put(step.stepId(), step);
		}
	}

	@Override
	public <T> @Nullable T run(String id, Class<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		Assert.notNull(action, "'action' must not be null");
		return execute(id, type, action);
	}

	@Override
	public void run(String id, Action action) {
		Assert.notNull(action, "'action' must not be null");
		execute(id, Void.class, () -> {
			action.run();
			return null;
		});
	}

	/**
	 * Returns the interruption raised by a step, if any, even if the handler swallowed
	 * it.
	 * @return the interruption, or {@code null}
	 */
	@Nullable RunInterruption interruption() {
		return this.interruption;
	}

	private <T> @Nullable T execute(String requestedId, Class<T> type, Callable<T> action) {
		Assert.hasText(requestedId, "'id' must not be empty");
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
		String stepId = uniqueId(requestedId);
		StepRecord previous = this.stored.get(stepId);
		if (previous != null && previous.status() == StepStatus.COMPLETED) {
			return decode(previous, type);
		}
		int attempts = (previous != null) ? previous.attempts() : 0;
		this.inStep = true;
		try {
			return attempt(stepId, type, action, attempts);
		}
		catch (RunInterruption ex) {
			this.interruption = ex;
			throw ex;
		}
		finally {
			this.inStep = false;
		}
	}

	private <T> @Nullable T attempt(String stepId, Class<T> type, Callable<T> action, int previousAttempts) {
		int attempts = previousAttempts;
		while (true) {
			attempts++;
			Instant started = this.scope.clock().instant();
			T result;
			Observation observation = this.scope.observations().startStep(this.scope.functionId(), stepId);
			LogContext.put(LogContext.STEP_ID, stepId);
			try (Observation.Scope observed = observation.openScope()) {
				result = action.call();
			}
			catch (RunInterruption ex) {
				throw ex;
			}
			catch (Exception ex) {
				observation.error(ex);
				if (ex instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
					throw new RunInterruption.Abandoned("Step '" + stepId + "' of " + this.scope.describe()
							+ " was interrupted; the run resumes from its last checkpoint", ex);
				}
				retryOrFail(stepId, attempts, started, ex);
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
			save(completed);
			this.stored.put(stepId, completed);
			this.scope.listener()
				.stepCompleted(this.scope.run(), stepId, attempts, Duration.between(started, finished));
			return result;
		}
	}

	private void retryOrFail(String stepId, int attempts, Instant started, Exception failure) {
		String error = ErrorSummary.of(failure);
		save(new StepRecord(this.scope.runId(), stepId, StepStatus.FAILED, attempts, null, error, started,
				this.scope.clock().instant()));
		if (attempts > this.scope.retries()) {
			throw new StepFailedException("Step '" + stepId + "' of " + this.scope.describe() + " failed after "
					+ attempts + " attempts: " + failure, stepId, attempts, failure);
		}
		Duration delay = this.scope.backoff().delayAfter(attempts);
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

	private void save(StepRecord step) {
		boolean written;
		try {
			written = this.scope.stepStore().saveStep(step, this.scope.version());
		}
		catch (DataAccessException ex) {
			throw new RunInterruption.Abandoned("Could not checkpoint step '" + step.stepId() + "' of "
					+ this.scope.describe() + "; the run resumes from its last checkpoint", ex);
		}
		if (!written) {
			throw new RunInterruption.LeaseLost("Lost the lease of " + this.scope.describe()
					+ " before checkpointing step '" + step.stepId() + "'; another instance owns the run now");
		}
	}

	private <T> @Nullable T decode(StepRecord step, Class<T> type) {
		if (type == Void.class || step.output() == null) {
			return null;
		}
		return type.cast(this.scope.codec()
			.decode(step.output(), type, "stored result of step '" + step.stepId() + "' of " + this.scope.describe()));
	}

	private String uniqueId(String requestedId) {
		int count = this.idCounts.merge(requestedId, 1, Integer::sum);
		return (count == 1) ? requestedId : requestedId + "#" + count;
	}

}
