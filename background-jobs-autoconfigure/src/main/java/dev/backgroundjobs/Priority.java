package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Moves runs ahead in the queue of a function's runs waiting for a {@link Concurrency
 * concurrency} slot, declared in {@link EventHandler#priority()}.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "summarize", event = "docs/uploaded",
 *         concurrency = &#64;Concurrency(limit = 5, key = "data.customerId"),
 *         priority = &#64;Priority(aheadSeconds = "data.plan == 'enterprise' ? 120 : 0"))
 * </pre>
 * <p>
 * {@link #aheadSeconds()} is a Spring Expression Language expression on the triggering
 * event, evaluated when its run is recorded; it gives a number of seconds, from -600 to
 * 600, by which the run is treated as if its event had arrived earlier (a negative
 * number: later). Waiting runs start in that order, so a run of priority 120 starts
 * before every run that has waited less than two minutes longer than it, and no run waits
 * for ever behind a stream of higher priority ones. Priority orders only the runs waiting
 * in the database for a slot: it needs a {@link EventHandler#concurrency()} limit, and
 * events still in Kafka keep their order.
 * <p>
 * The expression reads {@code data} (the event's payload, as maps, lists and scalars; a
 * missing field reads as {@code null}) and {@code name} (the event name). An expression
 * that does not parse fails start-up; one that fails or gives no number for an event
 * gives that run priority 0 and logs a warning.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Priority {

	/**
	 * The most seconds a priority moves a run ahead, or (negated) back.
	 */
	int MAX_SECONDS = 600;

	/**
	 * The expression that gives the seconds by which a run moves ahead, for example
	 * {@code "data.plan == 'enterprise' ? 120 : 0"}; values beyond {@value #MAX_SECONDS}
	 * either way are capped.
	 * @return the expression, or an empty string for no priority
	 */
	String aheadSeconds() default "";

}
