package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An event that cancels runs of a function, declared in {@link EventHandler#cancelOn()}.
 * <p>
 * An event named {@link #event()} cancels every unfinished run of the function whose
 * triggering event has the same value at the {@link #match()} path, provided the
 * triggering event is not newer than the cancelling one (by their event timestamps). A
 * run that has not started yet when the cancelling event arrives is cancelled when it is
 * recorded, so it never runs; a running run stops at its next step boundary.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "process-document", event = "api/document.uploaded",
 *         cancelOn = &#64;CancelOn(event = "api/document.deleted", match = "data.documentId"))
 * </pre>
 * <p>
 * A run whose triggering event has no scalar value at the path (and a run started by a
 * cron schedule or by {@link Step#invoke}) is not cancelled by any event.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CancelOn {

	/**
	 * Name of the event that cancels runs.
	 * @return the event name
	 */
	String event();

	/**
	 * Which runs an event cancels, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: a
	 * path such as {@code data.orderId} (the same field of both events), or
	 * {@code event.data.orderId == async.data.order.id} where {@code event} is the run's
	 * triggering event and {@code async} the cancelling one.
	 * @return the match expression
	 */
	String match();

}
