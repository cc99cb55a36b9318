package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts at most {@link #limit()} runs of a function per {@link #period()}, per key,
 * declared in {@link EventHandler#rateLimit()}. Events above the limit are skipped, not
 * queued, and counted by the {@code background-jobs.runs.skipped} counter.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "send-sms", event = "sms/requested",
 *         rateLimit = &#64;RateLimit(limit = 60, period = "1m", key = "data.customerId"))
 * </pre>
 * <p>
 * The periods are fixed windows: the first run of a key opens one, that lasts
 * {@link #period()} from then, and the next event after it opens the next one. The count
 * is kept in the database, in the transaction that records the run, so it holds across
 * instances and crashes. The limit and period can be overridden by
 * {@code background-jobs.functions.<function-id>.rate-limit.*}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimit {

	/**
	 * Most runs per period and key.
	 * @return the limit, or {@code 0} for no rate limit
	 */
	int limit() default 0;

	/**
	 * Length of a period, for example {@code "1m"}, {@code "1h"} or {@code "PT10S"}.
	 * @return the period
	 */
	String period() default "";

	/**
	 * Path of the key in the triggering event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.customerId}. Events without a scalar value at the path share
	 * one count.
	 * @return the path, or an empty string for one count for all events of the function
	 */
	String key() default "";

}
