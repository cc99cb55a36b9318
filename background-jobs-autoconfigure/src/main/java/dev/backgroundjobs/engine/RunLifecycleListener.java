package dev.backgroundjobs.engine;

import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;

/**
 * Callbacks on the outcome of runs, for transports and metrics. Called on the worker
 * thread after the outcome is committed; implementations must not throw.
 */
public interface RunLifecycleListener {

	/**
	 * Called when a run has completed.
	 * @param run the run as it was claimed
	 */
	default void runCompleted(RunRecord run) {
	}

	/**
	 * Called when a run has failed and become a dead letter.
	 * @param run the run as it was claimed
	 * @param stepId the step whose retries ran out, or {@code null}
	 * @param error the error summary
	 */
	default void runFailed(RunRecord run, @Nullable String stepId, String error) {
	}

}
