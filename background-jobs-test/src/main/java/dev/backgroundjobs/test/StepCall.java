package dev.backgroundjobs.test;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One step a handler took in a {@link TestStep} run, in the order taken.
 *
 * @param id the step id, with the counter suffix the engine gives a repeated id
 * ({@code send-mail#2})
 * @param kind what the step did
 * @param attempts how many times its work was tried (1 unless it failed and was retried)
 * @param output its result: the value of {@code run}, the event received by
 * {@code waitForEvent} (or {@code null} on a timeout), the id of a sent event, the result
 * of {@code invoke}
 * @param failure the failure of its last attempt, if it failed for good
 * @param wakeAt the wake time of a sleep, or the deadline of a wait
 */
public record StepCall(String id, Kind kind, int attempts, @Nullable Object output, @Nullable Throwable failure,
		@Nullable Instant wakeAt) {

	/**
	 * Whether the step completed.
	 * @return {@code true} unless it failed for good
	 */
	public boolean completed() {
		return this.failure == null;
	}

	/**
	 * The kinds of step.
	 */
	public enum Kind {

		/**
		 * {@code step.run}.
		 */
		RUN,

		/**
		 * {@code step.sleep} or {@code step.sleepUntil}.
		 */
		SLEEP,

		/**
		 * {@code step.waitForEvent}.
		 */
		WAIT_FOR_EVENT,

		/**
		 * {@code step.sendEvent}.
		 */
		SEND_EVENT,

		/**
		 * {@code step.invoke}.
		 */
		INVOKE

	}

}
