package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs at most {@link #limit()} runs of a function at once, across all instances, per
 * key; declared in {@link EventHandler#concurrency()}.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "summarize", event = "docs/uploaded",
 *         concurrency = &#64;Concurrency(limit = 5, key = "data.customerId"))
 * </pre>
 * <p>
 * A run holds one of its key's slots while it is queued or running on an instance, and
 * only then: a sleeping run, or one waiting for an event or a child run, holds none and
 * must get a slot again when it wakes. Runs above the limit are
 * {@link RunStatus#DELAYED}: they hold no thread and no lease and say why in their error,
 * and start in the order they arrived (see {@link EventHandler#priority()}) as slots free
 * up. The slots are counted from the runs themselves, in the database, so they hold
 * across instances, and the slots of a crashed instance's runs move with the runs when
 * their leases lapse and another instance takes them over. The limit can be overridden by
 * {@code background-jobs.functions.<function-id>.concurrency.limit}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Concurrency {

	/**
	 * Most runs at once per key.
	 * @return the limit, or {@code 0} for no limit
	 */
	int limit() default 0;

	/**
	 * Path of the key in the triggering event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.customerId}. Events without a scalar value at the path share
	 * one limit.
	 * @return the path, or an empty string for one limit for all runs of the function
	 */
	String key() default "";

}
