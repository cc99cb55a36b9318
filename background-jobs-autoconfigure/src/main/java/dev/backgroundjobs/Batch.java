package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a function once per batch of events instead of once per event, declared in
 * {@link EventHandler#batch()}. The handler takes a {@code List<Event<T>>} parameter in
 * place of an {@code Event<T>}.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "index-views", event = "shop/item.viewed",
 *         batch = &#64;Batch(maxSize = 100, timeout = "5s", key = "data.customerId"))
 * void index(List&lt;Event&lt;ItemViewed&gt;&gt; views, Step step) { … }
 * </pre>
 * <p>
 * A batch runs when {@link #maxSize()} events have arrived, or when {@link #timeout()}
 * has passed since its first event, whichever comes first; with a {@link #key()}, each
 * value of the key has batches of its own. Events wait for their batch in the database,
 * so every event is in exactly one batch, across instances and crashes. The run of a
 * batch is an ordinary run: its steps are checkpointed, its retries resume at the step
 * that failed and it becomes a replayable dead letter if they run out. The size and
 * timeout can be overridden by {@code background-jobs.functions.<function-id>.batch.*}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Batch {

	/**
	 * Most events per batch: a batch runs as soon as it holds this many.
	 * @return the size, or {@code 0} for no batching
	 */
	int maxSize() default 0;

	/**
	 * Longest wait of a batch from its first event, for example {@code "5s"},
	 * {@code "1m"} or {@code "PT30S"}: the batch then runs with the events it holds.
	 * @return the timeout
	 */
	String timeout() default "";

	/**
	 * Path of the key in each event, in the language of
	 * {@link Step#waitForEvent(String, String, Class, java.time.Duration, String)}: for
	 * example {@code data.customerId}. Events of different values are never in one batch;
	 * events without a scalar value at the path share batches.
	 * @return the path, or an empty string for one stream of batches for all events
	 */
	String key() default "";

}
