package dev.backgroundjobs.engine;

import java.time.Clock;
import java.time.Duration;

import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.StepStore;

/**
 * What one execution of a run needs to checkpoint its steps: the run and the fencing
 * token it was claimed with, and the engine's collaborators and retry settings.
 *
 * @param run the run as claimed; its version is the fencing token of this execution
 * @param retries retries per step
 * @param stepStore where steps are stored
 * @param codec encodes step results
 * @param backoff waits between attempts
 * @param parkThreshold backoffs longer than this park the run instead of sleeping
 * @param clock the clock for step timings
 * @param listener told about step outcomes
 * @param observations observes steps
 */
record RunScope(RunRecord run, int retries, StepStore stepStore, PayloadCodec codec, RetryBackoff backoff,
		Duration parkThreshold, Clock clock, RunLifecycleListener listener, RunObservations observations) {

	String runId() {
		return this.run.runId();
	}

	String functionId() {
		return this.run.functionId();
	}

	long version() {
		return this.run.version();
	}

	String describe() {
		return "run " + runId() + " of function '" + functionId() + "'";
	}

}
