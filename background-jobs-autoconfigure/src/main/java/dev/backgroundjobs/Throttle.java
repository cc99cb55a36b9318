package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts at most {@link #limit()} runs of a function per {@link #period()}, per key,
 * declared in {@link EventHandler#throttle()}. Runs above the limit are delayed, not
 * dropped: each is recorded {@link RunStatus#DELAYED} with the time it may start, and
 * starts then.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "summarize", event = "api/document.uploaded",
 *         throttle = &#64;Throttle(limit = 60, period = "1m", key = "data.userId"))
 * </pre>
 * <p>
 * Starts are spread evenly: one each {@code period / limit}. After a quiet spell,
 * {@link #burst()} more may start at once. The start times are assigned in the database,
 * in the transaction that records the run, so the limit holds across instances and
 * crashes. Unlike a {@link RateLimit}, which skips the events above its limit, a throttle
 * runs every event, later. The limit, period and burst can be overridden by
 * {@code background-jobs.functions.<function-id>.throttle.*}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Throttle {

	/**
	 * Most run starts per period and key.
	 * @return the limit, or {@code 0} for no throttle
	 */
	int limit() default 0;

	/**
	 * Length of a period, for example {@code "1s"}, {@code "1m"} or {@code "PT10S"}.
	 * @return the period
	 */
	String period() default "";

	/**
	 * Starts allowed at once, beyond the even spacing, after a quiet spell.
	 * @return the extra starts, {@code 0} for evenly spaced starts only
	 */
	int burst() default 0;

	/**
	 * Path of the key in the triggering event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.customerId}. Events without a scalar value at the path share
	 * one throttle.
	 * @return the path, or an empty string for one throttle for all events of the
	 * function
	 */
	String key() default "";

}
