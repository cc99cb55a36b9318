package dev.backgroundjobs.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A stored step of a run.
 *
 * @param runId the run id
 * @param stepId the step id, unique within the run
 * @param status the status
 * @param attempts how many times the step's work has been attempted
 * @param output the step's result as JSON, once completed ({@code null} for a step that
 * returns nothing)
 * @param error the last attempt's error, if it failed
 * @param startedAt when the last attempt started
 * @param finishedAt when the last attempt ended
 */
public record StepRecord(String runId, String stepId, StepStatus status, int attempts, @Nullable String output,
		@Nullable String error, Instant startedAt, Instant finishedAt) {

}
