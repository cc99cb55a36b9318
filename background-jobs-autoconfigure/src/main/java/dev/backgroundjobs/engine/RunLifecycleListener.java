package dev.backgroundjobs.engine;

import java.time.Duration;

import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;

/**
 * Callbacks on what happens to runs and their steps, for logs, metrics and transports.
 * Called on the worker thread, after the change is committed where there is one.
 * Implementations should be quick and must not throw; an exception is logged and ignored.
 */
public interface RunLifecycleListener {

	/**
	 * Called when an execution of a run starts.
	 * @param run the run as it was claimed
	 * @param attempt the execution attempt, from 1
	 */
	default void runStarted(RunRecord run, int attempt) {
	}

	/**
	 * Called when a run has completed.
	 * @param run the run as it was claimed
	 * @param duration how long this execution took
	 */
	default void runCompleted(RunRecord run, Duration duration) {
	}

	/**
	 * Called when a run has been parked until a wake time, for example for a retry
	 * backoff.
	 * @param run the run as it was claimed
	 * @param delay how long it sleeps
	 */
	default void runParked(RunRecord run, Duration delay) {
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
	 * Called when an execution of a run stopped because the run was cancelled (by an
	 * operator or a timeout) while it executed. A run cancelled while it was not
	 * executing is not reported here.
	 * @param run the run as it was claimed
	 * @param reason why it was cancelled
	 */
	default void runCancelled(RunRecord run, String reason) {
	}

	/**
	 * Called when a step's result has been checkpointed.
	 * @param run the run
	 * @param stepId the step id
	 * @param attempts how many attempts the step took
	 * @param duration how long the last attempt took
	 */
	default void stepCompleted(RunRecord run, String stepId, int attempts, Duration duration) {
	}

	/**
	 * Called when a step failed and will be retried.
	 * @param run the run
	 * @param stepId the step id
	 * @param attempt the attempt that failed, from 1
	 * @param delay the wait before the next attempt
	 * @param failure the failure
	 */
	default void stepRetrying(RunRecord run, String stepId, int attempt, Duration delay, Throwable failure) {
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
