package dev.backgroundjobs.function;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Values from {@code background-jobs.functions.<id>.*} that replace those of a function's
 * {@code idempotency} and {@code rateLimit}.
 *
 * @param idempotencyWindow replaces {@link dev.backgroundjobs.Idempotency#window()}, or
 * {@code null}
 * @param rateLimit replaces {@link dev.backgroundjobs.RateLimit#limit()}, or {@code null}
 * @param ratePeriod replaces {@link dev.backgroundjobs.RateLimit#period()}, or
 * {@code null}
 */
public record FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
		@Nullable Duration ratePeriod) {

	/**
	 * No overrides.
	 */
	public static final FlowControlOverrides NONE = new FlowControlOverrides(null, null, null);

}
