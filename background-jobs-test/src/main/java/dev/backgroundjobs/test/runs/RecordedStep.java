package dev.backgroundjobs.test.runs;

import dev.backgroundjobs.store.StepStatus;
import org.jspecify.annotations.Nullable;

/**
 * A step of a {@link RecordedRun}, as the engine stored it.
 *
 * @param id the step id
 * @param status the step's status
 * @param attempts how many times it was tried
 * @param output its result as JSON, if completed
 * @param error its last error, if any
 */
public record RecordedStep(String id, StepStatus status, int attempts, @Nullable String output,
		@Nullable String error) {

	@Override
	public String toString() {
		return this.id + " " + this.status + " after " + this.attempts + " attempt(s)"
				+ ((this.error != null) ? ": " + this.error : "");
	}

}
