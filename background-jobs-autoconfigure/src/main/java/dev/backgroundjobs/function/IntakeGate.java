package dev.backgroundjobs.function;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A validated {@link dev.backgroundjobs.Idempotency} or
 * {@link dev.backgroundjobs.RateLimit}: at most {@code limit} runs per {@code period} for
 * each value at {@code keyPath} of the triggering event. An idempotency key is a gate
 * with a limit of 1.
 *
 * @param kind what the gate is for, also the reason of the events it skips
 * @param keyPath the path of the key in the triggering event, or {@code null} for one
 * count for all events
 * @param limit most runs per period and key
 * @param period the length of a window
 */
public record IntakeGate(Kind kind, @Nullable String keyPath, int limit, Duration period) {

	/**
	 * What a gate is for.
	 */
	public enum Kind {

		/**
		 * An idempotency key: one run per key and window.
		 */
		IDEMPOTENCY("idempotency"),

		/**
		 * A rate limit: a number of runs per key and period.
		 */
		RATE_LIMIT("rate-limit");

		private final String reason;

		Kind(String reason) {
			this.reason = reason;
		}

		/**
		 * Returns the reason given for the events the gate skips, as the metric tag and
		 * in logs.
		 * @return the reason
		 */
		public String reason() {
			return this.reason;
		}

	}

}
