package dev.backgroundjobs;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The failure for good of a run, as received by the failure handler named by
 * {@link EventHandler#onFailure()}.
 *
 * @param <T> the payload type of the original event
 * @param functionId the id of the function whose run failed
 * @param runId the id of the failed run, which {@code /actuator/jobs/runs/{runId}} shows
 * @param stepId the step whose retries ran out, or {@code null} when the run failed
 * outside any step
 * @param error the error, as recorded on the failed run
 * @param event the event that started the failed run
 */
public record FunctionFailure<T>(String functionId, String runId, @Nullable String stepId, String error,
		Event<T> event) {

	/**
	 * Name of the event that starts a failure handler's run.
	 */
	public static final String EVENT_NAME = "background-jobs/function.failed";

	/**
	 * Creates a failure, checking its arguments.
	 * @param functionId the id of the function whose run failed
	 * @param runId the id of the failed run
	 * @param stepId the step whose retries ran out, or {@code null}
	 * @param error the error
	 * @param event the event that started the failed run
	 */
	public FunctionFailure {
		Assert.hasText(functionId, "'functionId' must not be empty");
		Assert.hasText(runId, "'runId' must not be empty");
		Assert.notNull(error, "'error' must not be null");
		Assert.notNull(event, "'event' must not be null");
	}

}
