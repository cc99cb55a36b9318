package dev.backgroundjobs.function;

import java.time.Duration;

import dev.backgroundjobs.Singleton;
import org.jspecify.annotations.Nullable;

/**
 * Values from {@code background-jobs.functions.<id>.*} that replace those of a function's
 * {@code idempotency}, {@code rateLimit}, {@code batch}, {@code throttle},
 * {@code concurrency}, {@code debounce} and {@code singleton}.
 *
 * @param idempotencyWindow replaces {@link dev.backgroundjobs.Idempotency#window()}, or
 * {@code null}
 * @param rateLimit replaces {@link dev.backgroundjobs.RateLimit#limit()}, or {@code null}
 * @param ratePeriod replaces {@link dev.backgroundjobs.RateLimit#period()}, or
 * {@code null}
 * @param batchMaxSize replaces {@link dev.backgroundjobs.Batch#maxSize()}, or
 * {@code null}
 * @param batchTimeout replaces {@link dev.backgroundjobs.Batch#timeout()}, or
 * {@code null}
 * @param throttleLimit replaces {@link dev.backgroundjobs.Throttle#limit()}, or
 * {@code null}
 * @param throttlePeriod replaces {@link dev.backgroundjobs.Throttle#period()}, or
 * {@code null}
 * @param throttleBurst replaces {@link dev.backgroundjobs.Throttle#burst()}, or
 * {@code null}
 * @param concurrencyLimit replaces {@link dev.backgroundjobs.Concurrency#limit()}, or
 * {@code null}
 * @param debouncePeriod replaces {@link dev.backgroundjobs.Debounce#period()}, or
 * {@code null}
 * @param debounceTimeout replaces {@link dev.backgroundjobs.Debounce#timeout()}, or
 * {@code null}
 * @param singletonMode replaces {@link dev.backgroundjobs.Singleton#mode()}, or
 * {@code null}
 */
public record FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
		@Nullable Duration ratePeriod, @Nullable Integer batchMaxSize, @Nullable Duration batchTimeout,
		@Nullable Integer throttleLimit, @Nullable Duration throttlePeriod, @Nullable Integer throttleBurst,
		@Nullable Integer concurrencyLimit, @Nullable Duration debouncePeriod, @Nullable Duration debounceTimeout,
		Singleton.@Nullable Mode singletonMode) {

	/**
	 * No overrides.
	 */
	public static final FlowControlOverrides NONE = new FlowControlOverrides(null, null, null);

	/**
	 * Creates overrides of a function's {@code idempotency} and {@code rateLimit} only.
	 * @param idempotencyWindow replaces the idempotency window, or {@code null}
	 * @param rateLimit replaces the rate limit, or {@code null}
	 * @param ratePeriod replaces the rate limit's period, or {@code null}
	 */
	public FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
			@Nullable Duration ratePeriod) {
		this(idempotencyWindow, rateLimit, ratePeriod, null, null, null, null, null, null, null, null);
	}

	/**
	 * Creates overrides of a function's {@code idempotency}, {@code rateLimit} and
	 * {@code batch} only.
	 * @param idempotencyWindow replaces the idempotency window, or {@code null}
	 * @param rateLimit replaces the rate limit, or {@code null}
	 * @param ratePeriod replaces the rate limit's period, or {@code null}
	 * @param batchMaxSize replaces the batch size, or {@code null}
	 * @param batchTimeout replaces the batch timeout, or {@code null}
	 */
	public FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
			@Nullable Duration ratePeriod, @Nullable Integer batchMaxSize, @Nullable Duration batchTimeout) {
		this(idempotencyWindow, rateLimit, ratePeriod, batchMaxSize, batchTimeout, null, null, null, null, null, null);
	}

	/**
	 * Creates overrides of all but a function's {@code concurrency} and {@code debounce}.
	 * @param idempotencyWindow replaces the idempotency window, or {@code null}
	 * @param rateLimit replaces the rate limit, or {@code null}
	 * @param ratePeriod replaces the rate limit's period, or {@code null}
	 * @param batchMaxSize replaces the batch size, or {@code null}
	 * @param batchTimeout replaces the batch timeout, or {@code null}
	 * @param throttleLimit replaces the throttle's limit, or {@code null}
	 * @param throttlePeriod replaces the throttle's period, or {@code null}
	 * @param throttleBurst replaces the throttle's burst, or {@code null}
	 */
	public FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
			@Nullable Duration ratePeriod, @Nullable Integer batchMaxSize, @Nullable Duration batchTimeout,
			@Nullable Integer throttleLimit, @Nullable Duration throttlePeriod, @Nullable Integer throttleBurst) {
		this(idempotencyWindow, rateLimit, ratePeriod, batchMaxSize, batchTimeout, throttleLimit, throttlePeriod,
				throttleBurst, null, null, null);
	}

	/**
	 * Creates overrides of all but a function's {@code debounce}.
	 * @param idempotencyWindow replaces the idempotency window, or {@code null}
	 * @param rateLimit replaces the rate limit, or {@code null}
	 * @param ratePeriod replaces the rate limit's period, or {@code null}
	 * @param batchMaxSize replaces the batch size, or {@code null}
	 * @param batchTimeout replaces the batch timeout, or {@code null}
	 * @param throttleLimit replaces the throttle's limit, or {@code null}
	 * @param throttlePeriod replaces the throttle's period, or {@code null}
	 * @param throttleBurst replaces the throttle's burst, or {@code null}
	 * @param concurrencyLimit replaces the concurrency limit, or {@code null}
	 */
	public FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
			@Nullable Duration ratePeriod, @Nullable Integer batchMaxSize, @Nullable Duration batchTimeout,
			@Nullable Integer throttleLimit, @Nullable Duration throttlePeriod, @Nullable Integer throttleBurst,
			@Nullable Integer concurrencyLimit) {
		this(idempotencyWindow, rateLimit, ratePeriod, batchMaxSize, batchTimeout, throttleLimit, throttlePeriod,
				throttleBurst, concurrencyLimit, null, null);
	}

	/**
	 * Creates overrides of all but a function's {@code singleton}.
	 * @param idempotencyWindow replaces the idempotency window, or {@code null}
	 * @param rateLimit replaces the rate limit, or {@code null}
	 * @param ratePeriod replaces the rate limit's period, or {@code null}
	 * @param batchMaxSize replaces the batch size, or {@code null}
	 * @param batchTimeout replaces the batch timeout, or {@code null}
	 * @param throttleLimit replaces the throttle's limit, or {@code null}
	 * @param throttlePeriod replaces the throttle's period, or {@code null}
	 * @param throttleBurst replaces the throttle's burst, or {@code null}
	 * @param concurrencyLimit replaces the concurrency limit, or {@code null}
	 * @param debouncePeriod replaces the debounce period, or {@code null}
	 * @param debounceTimeout replaces the debounce timeout, or {@code null}
	 */
	public FlowControlOverrides(@Nullable Duration idempotencyWindow, @Nullable Integer rateLimit,
			@Nullable Duration ratePeriod, @Nullable Integer batchMaxSize, @Nullable Duration batchTimeout,
			@Nullable Integer throttleLimit, @Nullable Duration throttlePeriod, @Nullable Integer throttleBurst,
			@Nullable Integer concurrencyLimit, @Nullable Duration debouncePeriod, @Nullable Duration debounceTimeout) {
		this(idempotencyWindow, rateLimit, ratePeriod, batchMaxSize, batchTimeout, throttleLimit, throttlePeriod,
				throttleBurst, concurrencyLimit, debouncePeriod, debounceTimeout, null);
	}

	/**
	 * Creates an override of a function's {@code singleton} mode only.
	 * @param singletonMode replaces the singleton's mode
	 * @return the overrides
	 */
	public static FlowControlOverrides singleton(Singleton.Mode singletonMode) {
		return new FlowControlOverrides(null, null, null, null, null, null, null, null, null, null, null,
				singletonMode);
	}

}
