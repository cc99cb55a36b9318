package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;

/**
 * Calls every {@link RunLifecycleListener} in order, isolating each from the others'
 * failures.
 */
final class RunListeners implements RunLifecycleListener {

	private static final LogAccessor logger = new LogAccessor(RunListeners.class);

	private final List<RunLifecycleListener> listeners;

	RunListeners(List<RunLifecycleListener> listeners) {
		this.listeners = List.copyOf(listeners);
	}

	@Override
	public void runStarted(RunRecord run, int attempt) {
		each((listener) -> listener.runStarted(run, attempt));
	}

	@Override
	public void runCompleted(RunRecord run, Duration duration) {
		each((listener) -> listener.runCompleted(run, duration));
	}

	@Override
	public void runParked(RunRecord run, Duration delay) {
		each((listener) -> listener.runParked(run, delay));
	}

	@Override
	public void runFailed(RunRecord run, @Nullable String stepId, String error) {
		each((listener) -> listener.runFailed(run, stepId, error));
	}

	@Override
	public void runCancelled(RunRecord run, String reason) {
		each((listener) -> listener.runCancelled(run, reason));
	}

	@Override
	public void stepCompleted(RunRecord run, String stepId, int attempts, Duration duration) {
		each((listener) -> listener.stepCompleted(run, stepId, attempts, duration));
	}

	@Override
	public void stepRetrying(RunRecord run, String stepId, int attempt, Duration delay, Throwable failure) {
		each((listener) -> listener.stepRetrying(run, stepId, attempt, delay, failure));
	}

	@Override
	public void sleepEnded(String runId, String functionId, String stepId, Duration lateness) {
		each((listener) -> listener.sleepEnded(runId, functionId, stepId, lateness));
	}

	private void each(Consumer<RunLifecycleListener> call) {
		for (RunLifecycleListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn(ex, () -> "Run listener " + listener.getClass().getName() + " failed");
			}
		}
	}

}
