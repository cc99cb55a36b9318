package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts at most one run of a function per key and window, declared in
 * {@link EventHandler#idempotency()}: an event whose value at {@link #key()} started a
 * run less than {@link #window()} ago is skipped, even when its event id differs.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "charge-order", event = "shop/order.placed",
 *         idempotency = &#64;Idempotency(key = "data.orderId", window = "24h"))
 * </pre>
 * <p>
 * The window starts with the run that claims the key; once it is over, the next event
 * with the key starts a run and a new window. The claim is recorded in the transaction
 * that records the run, so it holds across instances and crashes. An event without a
 * scalar value at the path is not deduplicated by key (its event id still is). The window
 * can be overridden by
 * {@code background-jobs.functions.<function-id>.idempotency.window}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Idempotency {

	/**
	 * Path of the key in the triggering event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.orderId}.
	 * @return the path, or an empty string for no idempotency key
	 */
	String key() default "";

	/**
	 * How long a key, once it started a run, skips further events with it: for example
	 * {@code "24h"}, {@code "30m"} or {@code "PT2H"}.
	 * @return the window
	 */
	String window() default "24h";

}
