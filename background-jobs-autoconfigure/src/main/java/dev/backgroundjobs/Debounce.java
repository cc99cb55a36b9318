package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a function once per burst of events with the same key, declared in
 * {@link EventHandler#debounce()}: the run waits until no new event for the key has
 * arrived for {@link #period()}, then runs once, with the last event.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "reindex", event = "api/document.edited",
 *         debounce = &#64;Debounce(period = "5s", key = "data.documentId", timeout = "1m"))
 * </pre>
 * <p>
 * Each event's run is recorded {@link RunStatus#DELAYED} until the period has passed
 * without a newer event; a newer event's run takes its place, and the one it replaces is
 * recorded {@link RunStatus#CANCELLED}, its error naming the event that superseded it.
 * {@link #timeout()} bounds the wait from the first event of a burst, so a steady stream
 * of events still runs at least that often. An event older than the one waiting (by its
 * time) never takes its place. The state is kept in the database, in the transaction that
 * records the run, so it holds across instances and crashes. The period and timeout can
 * be overridden by {@code background-jobs.functions.<function-id>.debounce.*}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Debounce {

	/**
	 * How long no new event for the key must arrive before the run starts, for example
	 * {@code "5s"} or {@code "PT1M"}.
	 * @return the period, or an empty string for no debounce
	 */
	String period() default "";

	/**
	 * Path of the key in the triggering event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.documentId}. Events without a scalar value at the path share
	 * one key.
	 * @return the path, or an empty string for one key for all events of the function
	 */
	String key() default "";

	/**
	 * Longest wait from the first event of a burst before the run starts, however many
	 * events keep arriving.
	 * @return the maximum wait, or an empty string for none
	 */
	String timeout() default "";

}
