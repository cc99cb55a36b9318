package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as a durable background function.
 * <p>
 * Each event whose name is listed in {@link #event()} starts one run of the function, in
 * the background, on some instance of the application. The method may declare, in any
 * order, an {@link Event Event&lt;T&gt;} parameter (the payload type {@code T} is read
 * from the generic signature: a record, a POJO, a {@code Map}, a {@code JsonNode} or a
 * {@code String}; a raw {@code Event} or an {@code Event<?>} receives a
 * {@code JsonNode}), a {@link Step} to checkpoint its work and a {@link RunContext}, each
 * at most once; a function that declares a {@link #batch()} takes a
 * {@code List<Event<T>>} instead of the {@code Event<T>}. Its return value is stored as
 * the run's output. Invalid declarations fail the application at start-up with a message
 * naming the method.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "process-document", event = "api/document.uploaded", retries = 3)
 * String process(Event&lt;DocumentUploaded&gt; event, Step step) {
 *     Document doc = step.run("fetch-document", Document.class, () -&gt; documents.get(event.data().documentId()));
 *     step.run("save-summary", () -&gt; documents.saveSummary(doc.id(), summarize(doc)));
 *     return "Processed " + doc.id();
 * }
 * </pre>
 * <p>
 * It may also be used as a meta-annotation, to compose an annotation that presets some
 * attributes.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface EventHandler {

	/**
	 * Value used for {@link #retries()} to mean "use the configured default".
	 */
	int DEFAULT_RETRIES = -1;

	/**
	 * Function id, unique in the application. Runs, steps and consumer groups are keyed
	 * by it, so changing it orphans the runs recorded under the old id. Defaults to
	 * {@code <bean name>.<method name>}.
	 * @return the function id
	 */
	String id() default "";

	/**
	 * Names of the events that trigger the function.
	 * @return the trigger event names
	 */
	String[] event() default {};

	/**
	 * Cron expression that triggers the function on a schedule: 5-field Unix cron,
	 * 6-field Spring cron or a macro such as {@code @hourly}.
	 * @return the cron expression, or an empty string for none
	 */
	String cron() default "";

	/**
	 * Time zone in which {@link #cron()} is evaluated.
	 * @return the zone id
	 */
	String zone() default "UTC";

	/**
	 * Number of retries of each step after its first attempt. Negative values other than
	 * {@link #DEFAULT_RETRIES} are rejected at start-up. {@link #retry()} gives the rest
	 * of the retry policy.
	 * @return the retries per step, or {@link #DEFAULT_RETRIES} for
	 * {@code background-jobs.retry.max-retries}
	 */
	int retries() default DEFAULT_RETRIES;

	/**
	 * Name of a method of the same bean that handles the failure of a run of this
	 * function for good (its retries ran out, or it could not be executed). The method is
	 * not itself annotated: it becomes a function of its own, with the id
	 * {@code <id>.on-failure} and the configured default retry policy
	 * ({@code background-jobs.retry.*}, or
	 * {@code background-jobs.functions.[<id>.on-failure].retry.*}), and runs durably like
	 * any other, with steps. It may declare, in any order, a {@link FunctionFailure
	 * FunctionFailure&lt;T&gt;} (the original event with its payload read as {@code T},
	 * the error, the failed run's id and step), a {@link Step} and a {@link RunContext}.
	 * <p>
	 * The failure handler's run is recorded in the same transaction as the failure, once
	 * per failed run: a failed run that is replayed and fails again does not start it a
	 * second time. A failure handler that fails becomes a dead letter like any run, and
	 * starts no further failure handler.
	 * @return the name of the failure handler method, or an empty string for none
	 */
	String onFailure() default "";

	/**
	 * How failing steps, and failures of the handler outside its steps, are retried:
	 * attempts, backoff and the failures that are retried at all. What it leaves unset
	 * comes from {@code background-jobs.retry.*}; what
	 * {@code background-jobs.functions.<id>.retry.*} sets overrides it. A step may
	 * override it with {@link Step#withRetry}. Invalid values fail the start-up.
	 * @return the function's retry policy
	 */
	Retry retry() default @Retry;

	/**
	 * The retry policy of a function, as {@link RetryPolicy} gives it for a step.
	 *
	 * <pre class="code">
	 * &#64;EventHandler(id = "sync-invoices", event = "billing/sync",
	 *         retry = &#64;Retry(attempts = 6, initialInterval = "2s", multiplier = 3, maxInterval = "5m",
	 *                 noRetryOn = InvoiceRejectedException.class))
	 * </pre>
	 */
	@Target({})
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@interface Retry {

		/**
		 * Most attempts per step, the first one included, as resilience4j's
		 * {@code maxAttempts} counts them: {@code attempts = n} is
		 * {@code retries = n - 1}. Setting both {@link EventHandler#retries()} and this
		 * to disagreeing values fails the start-up.
		 * @return the attempts, or {@code -1} to leave them to {@code retries} or the
		 * default
		 */
		int attempts() default -1;

		/**
		 * Wait after a step's first failure, for example {@code "2s"}, {@code "500ms"} or
		 * {@code "PT1M"}.
		 * @return the wait, or empty for the default
		 */
		String initialInterval() default "";

		/**
		 * Factor applied to the wait after each further failure, at least 1.
		 * @return the factor, or {@code 0} for the default
		 */
		double multiplier() default 0;

		/**
		 * Longest wait between two attempts, as {@link #initialInterval()}.
		 * @return the wait, or empty for the default
		 */
		String maxInterval() default "";

		/**
		 * Randomisation of each wait, from 0 (none) to below 1.
		 * @return the jitter, or {@code -1} for the default
		 */
		double jitter() default -1;

		/**
		 * Types of failure that are retried; others fail the step at once. Empty retries
		 * every failure not listed in {@link #noRetryOn()}.
		 * @return the retried types
		 */
		Class<? extends Throwable>[] retryOn() default {};

		/**
		 * Types of failure that fail the step at once.
		 * @return the types that are not retried
		 */
		Class<? extends Throwable>[] noRetryOn() default {};

		/**
		 * Name of a resilience4j retry instance ({@code resilience4j.retry.instances.*})
		 * or shared configuration ({@code resilience4j.retry.configs.*}) whose
		 * {@code maxAttempts}, interval function and exception predicate to use, read
		 * from the application's {@code RetryRegistry} bean. The other attributes
		 * override it; a backoff attribute replaces its interval function.
		 * @return the name, or empty for none
		 */
		String config() default "";

	}

	/**
	 * Time limits of the function's runs: how long a run may wait to start, how long it
	 * may take in all, and how long one step attempt may take. None by default. Each can
	 * be overridden by {@code background-jobs.functions.<function-id>.timeouts.*}.
	 * @return the timeouts
	 */
	Timeouts timeouts() default @Timeouts;

	/**
	 * Events that cancel the function's runs, each with the match that selects the runs
	 * it cancels: for example an {@code order/cancelled} with the same
	 * {@code data.orderId} as the triggering event. Requires an {@link #event()} trigger.
	 * @return the cancelling events
	 * @see CancelOn
	 */
	CancelOn[] cancelOn() default {};

	/**
	 * An idempotency key: at most one run per value of a path of the triggering event
	 * within a window, instead of one per event id only. Requires an {@link #event()}
	 * trigger.
	 * @return the idempotency key, none by default
	 * @see Idempotency
	 */
	Idempotency idempotency() default @Idempotency;

	/**
	 * A rate limit: at most a number of runs per period, per value of a path of the
	 * triggering event. Events above it are skipped. Requires an {@link #event()}
	 * trigger.
	 * @return the rate limit, none by default
	 * @see RateLimit
	 */
	RateLimit rateLimit() default @RateLimit;

	/**
	 * Batching: one run per batch of events, which the handler receives as a
	 * {@code List<Event<T>>} parameter. Requires an {@link #event()} trigger and no
	 * {@link #cron()}.
	 * @return the batching, none by default
	 * @see Batch
	 */
	Batch batch() default @Batch;

	/**
	 * A throttle: at most a number of run starts per period, per value of a path of the
	 * triggering event. Runs above it are delayed, not skipped. Requires an
	 * {@link #event()} trigger.
	 * @return the throttle, none by default
	 * @see Throttle
	 */
	Throttle throttle() default @Throttle;

	/**
	 * A concurrency limit: at most a number of runs at once across all instances, per
	 * value of a path of the triggering event. Runs above it wait
	 * {@link RunStatus#DELAYED}, holding no thread. Requires an {@link #event()} trigger.
	 * @return the concurrency limit, none by default
	 * @see Concurrency
	 */
	Concurrency concurrency() default @Concurrency;

	/**
	 * A priority: an expression on the triggering event that moves its run ahead among
	 * the runs waiting for a {@link #concurrency()} slot. Requires a concurrency limit.
	 * @return the priority, none by default
	 * @see Priority
	 */
	Priority priority() default @Priority;

	/**
	 * A debounce: one run per burst of events with the same value at a path of the
	 * triggering event, started once no new event has arrived for a period, with the last
	 * event. Requires an {@link #event()} trigger.
	 * @return the debounce, none by default
	 * @see Debounce
	 */
	Debounce debounce() default @Debounce;

	/**
	 * A singleton: at most one unfinished run per value of a path of the triggering
	 * event, with a new event either skipped or cancelling the unfinished run. Requires
	 * an {@link #event()} trigger.
	 * @return the singleton, none by default
	 * @see Singleton
	 */
	Singleton singleton() default @Singleton;

}
