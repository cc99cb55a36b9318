package dev.backgroundjobs.engine;

import java.time.Clock;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.core.log.LogAccessor;

/**
 * Builds the run of a function's failure handler for a run that failed for good. Its
 * event id is derived from the failed run's id, so the failure handler runs once per
 * failed run however often the run is replayed and fails again.
 */
final class FailureHandlerRuns {

	/**
	 * Prefix of the event id of a failure handler's run, followed by the failed run's id.
	 */
	static final String EVENT_ID_PREFIX = "failure:";

	private static final LogAccessor logger = new LogAccessor(FailureHandlerRuns.class);

	private final FunctionRegistry functions;

	private final PayloadCodec codec;

	private final Clock clock;

	FailureHandlerRuns(FunctionRegistry functions, PayloadCodec codec, Clock clock) {
		this.functions = functions;
		this.codec = codec;
		this.clock = clock;
	}

	/**
	 * Returns the run of the failure handler of a failed run's function.
	 * @param run the failed run
	 * @param stepId the step whose retries ran out, or {@code null}
	 * @param error the error recorded on the run
	 * @return the failure handler's run, or {@code null} if the function has none or the
	 * failure cannot be written as an event
	 */
	@Nullable NewRun of(RunRecord run, @Nullable String stepId, String error) {
		FunctionDefinition function = this.functions.find(run.functionId());
		String handlerId = (function != null) ? function.failureHandlerId() : null;
		if (handlerId == null) {
			return null;
		}
		try {
			JsonNode data = (JsonNode) this.codec.decode(run.eventData(), JsonNode.class,
					"the event of run " + run.runId());
			Event<JsonNode> event = new Event<>(run.eventId(), run.eventName(), data, run.eventTime());
			FunctionFailure<JsonNode> failure = new FunctionFailure<>(run.functionId(), run.runId(), stepId, error,
					event);
			String json = this.codec.encode(failure, "failure of run " + run.runId());
			return NewRun.forEvent(handlerId, EVENT_ID_PREFIX + run.runId(), FunctionFailure.EVENT_NAME, json,
					this.clock.instant(), run.traceContext());
		}
		catch (IllegalArgumentException ex) {
			// The run still fails, as a dead letter an operator sees.
			logger.error(ex, () -> "Cannot start failure handler '" + handlerId + "' for run " + run.runId()
					+ " of function '" + run.functionId() + "'");
			return null;
		}
	}

}
