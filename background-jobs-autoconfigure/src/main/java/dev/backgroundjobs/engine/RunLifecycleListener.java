package dev.backgroundjobs.engine;

import java.time.Duration;

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

	/**
	 * Called when a run resumes after a durable sleep, with how late it woke: the time
	 * between the sleep's wake time and the moment the resumed handler passed the sleep.
	 * It is bounded by the poll interval plus the time to claim and start the run.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param stepId the id of the sleep step
	 * @param lateness how late the run woke, never negative
	 */
	default void sleepEnded(String runId, String functionId, String stepId, Duration lateness) {
	}

}
