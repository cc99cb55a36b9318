package dev.backgroundjobs.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.backgroundjobs.EventPublisher;

import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import org.jspecify.annotations.Nullable;

/**
 * What one execution of a run needs to checkpoint its steps: the run's identity and
 * fencing token, and the engine's collaborators and retry settings.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param version the fencing token this execution holds
 * @param retries retries per step
 * @param stepStore where steps are stored
 * @param codec encodes step results
 * @param backoff waits between attempts
 * @param parkThreshold backoffs longer than this park the run instead of sleeping
 * @param clock the clock for step timings and sleeps
 * @param events publishes the events a run sends, if a publisher is available
 * @param listeners callbacks on run events
 * @param runStore records the runs this run invokes
 * @param functions the functions this run may invoke
 * @param waits records the run's waits for events
 * @param eventData the payload of the run's triggering event as JSON
 */
record RunScope(String runId, String functionId, long version, int retries, StepStore stepStore, PayloadCodec codec,
		RetryBackoff backoff, Duration parkThreshold, Clock clock, @Nullable EventPublisher events,
		List<RunLifecycleListener> listeners, RunStore runStore, FunctionRegistry functions, EventWaitStore waits,
		String eventData) {

	String describe() {
		return "run " + this.runId + " of function '" + this.functionId + "'";
	}

}
