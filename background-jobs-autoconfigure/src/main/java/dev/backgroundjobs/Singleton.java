package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps at most one unfinished run of a function per key, declared in
 * {@link EventHandler#singleton()}. What happens to an event whose key has an unfinished
 * run is the {@link #mode()}: {@link Mode#SKIP skipped}, or the unfinished run is
 * {@link Mode#CANCEL cancelled} and the event's run starts.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "sync-user", event = "users/changed",
 *         singleton = &#64;Singleton(key = "data.userId", mode = Singleton.Mode.SKIP))
 * </pre>
 * <p>
 * A run is unfinished until it completes, fails or is cancelled: a run that sleeps, waits
 * for an event or a child run, is delayed by another limit, or waits for a retry still
 * holds its key. The key's holder is recorded in the database, in the transaction that
 * records the new run, so it holds across instances and crashes. In {@link Mode#CANCEL}
 * mode the cancelled run stops at its next step boundary: the step it is executing may
 * still run beside the new run's first step unless
 * {@code background-jobs.cancel.interrupt-running-step} is set. The mode can be
 * overridden by {@code background-jobs.functions.<function-id>.singleton.mode}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Singleton {

	/**
	 * What an event does when its key has an unfinished run.
	 * @return the mode, or {@link Mode#NONE} for no singleton
	 */
	Mode mode() default Mode.NONE;

	/**
	 * Path of the key in the triggering event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.userId}. Events without a scalar value at the path share one
	 * key.
	 * @return the path, or an empty string for one run of the function at a time
	 */
	String key() default "";

	/**
	 * What an event does when a run of its key is unfinished.
	 */
	enum Mode {

		/**
		 * No singleton: runs of the function are not limited per key.
		 */
		NONE,

		/**
		 * The event is skipped: it starts no run, and is counted by the
		 * {@code background-jobs.runs.skipped} counter with the reason {@code singleton}.
		 */
		SKIP,

		/**
		 * The unfinished run is cancelled, and the event's run starts.
		 */
		CANCEL

	}

}
