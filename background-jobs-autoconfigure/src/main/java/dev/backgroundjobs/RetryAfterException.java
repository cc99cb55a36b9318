package dev.backgroundjobs;

import java.time.Duration;

import org.springframework.util.Assert;

/**
 * Thrown by a step, or by a handler outside its steps, to have the next attempt start
 * after exactly the given delay instead of the backoff, for example the
 * {@code Retry-After} of an HTTP 429 or 503 answer.
 * <p>
 * The delay is not jittered nor capped by the policy's maximum interval. The attempt
 * counts against the policy's attempts, as any failed attempt does: when none is left the
 * step fails. A delay longer than {@code background-jobs.retry.park-threshold} parks the
 * run in the database and frees its worker; a shorter one waits on the worker. It is
 * found anywhere in the cause chain of what was thrown, and the types of
 * {@link RetryPolicy#noRetryOn noRetryOn} or {@link RetryPolicy#retryOn retryOn} do not
 * apply to it.
 */
public class RetryAfterException extends RuntimeException {

	private final Duration retryAfter;

	/**
	 * Creates an exception.
	 * @param retryAfter how long to wait before the next attempt; zero or more
	 * @param message what went wrong
	 */
	public RetryAfterException(Duration retryAfter, String message) {
		super(message);
		this.retryAfter = checked(retryAfter);
	}

	/**
	 * Creates an exception with a cause.
	 * @param retryAfter how long to wait before the next attempt; zero or more
	 * @param message what went wrong
	 * @param cause the failure
	 */
	public RetryAfterException(Duration retryAfter, String message, Throwable cause) {
		super(message, cause);
		this.retryAfter = checked(retryAfter);
	}

	private static Duration checked(Duration retryAfter) {
		Assert.isTrue(retryAfter != null && !retryAfter.isNegative(), "'retryAfter' must not be null or negative");
		return retryAfter;
	}

	/**
	 * Returns how long to wait before the next attempt.
	 * @return the delay
	 */
	public Duration retryAfter() {
		return this.retryAfter;
	}

}
