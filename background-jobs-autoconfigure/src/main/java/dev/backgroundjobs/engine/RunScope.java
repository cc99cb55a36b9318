package dev.backgroundjobs.engine;

import java.time.Clock;
import java.time.Duration;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.EventWaitStore;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

/**
 * What one execution of a run needs to checkpoint its steps: the run and the fencing
 * token it was claimed with, and the engine's collaborators and retry settings.
 *
 * @param run the run as claimed; its version is the fencing token of this execution
 * @param retry the function's complete retry policy
 * @param checkpoints writes the run's checkpoints
 * @param codec encodes step results
 * @param parkThreshold backoffs longer than this park the run instead of sleeping
 * @param clock the clock for step timings and sleeps
 * @param listener told about step outcomes
 * @param observations observes steps
 * @param events publishes the events a run sends, if a publisher is available
 * @param runStore records the runs this run invokes
 * @param functions the functions this run may invoke
 * @param waits records the run's waits for events
 * @param execution this execution as other threads see it, to learn of a cancellation
 * @param branches runs the branches of parallel steps
 */
record RunScope(RunRecord run, RetryPolicy retry, CheckpointWriter checkpoints, PayloadCodec codec,
		Duration parkThreshold, Clock clock, RunLifecycleListener listener, RunObservations observations,
		@Nullable EventPublisher events, RunStore runStore, FunctionRegistry functions, EventWaitStore waits,
		Execution execution, BranchPool branches) {

	String runId() {
		return this.run.runId();
	}

	String functionId() {
		return this.run.functionId();
	}

	long version() {
		return this.run.version();
	}

	String eventData() {
		return this.run.eventData();
	}

	String describe() {
		return "run " + runId() + " of function '" + functionId() + "'";
	}

}
