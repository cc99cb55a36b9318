package dev.backgroundjobs;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Time limits of a function's runs, set with {@link EventHandler#timeouts()}. Each is a
 * duration such as {@code "500ms"}, {@code "30s"}, {@code "10m"}, {@code "2h"} or
 * {@code "1d"} (or ISO-8601, {@code "PT30S"}); empty means no limit. Invalid or
 * non-positive values fail the application at start-up with a message naming the method.
 * Each can be overridden per function by
 * {@code background-jobs.functions.<function-id>.timeouts.start}, {@code .finish} and
 * {@code .step}.
 *
 * <pre class="code">
 * &#64;EventHandler(id = "render-report", event = "reports/requested",
 *         timeouts = &#64;Timeouts(start = "1m", finish = "10m", step = "30s"))
 * </pre>
 * <p>
 * A run cancelled by a timeout ends {@link RunStatus#CANCELLED}, with the reason as its
 * error, such as {@code cancelled: finish timeout of 10m passed}.
 */
@Target({})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Timeouts {

	/**
	 * Longest time a run may wait to start, from when it was recorded to its first
	 * execution. A run still waiting after it is cancelled: checked when an instance
	 * takes the run and by every instance's due-work poller.
	 * @return the start timeout, or an empty string for none
	 */
	String start() default "";

	/**
	 * Longest time a run may take, from its first start to its end, sleeps and waits
	 * included. A run past it is cancelled: at its next step boundary if it is running
	 * (as if it were cancelled by an operator), and by every instance's due-work poller
	 * if it is queued, sleeping or waiting.
	 * @return the finish timeout, or an empty string for none
	 */
	String finish() default "";

	/**
	 * Longest time one attempt of a {@link Step#run step} may take. A step still running
	 * after it has its worker thread interrupted, and the attempt fails with a
	 * {@link StepTimeoutException} and is retried like any failed attempt. Only code that
	 * answers interrupts stops early: blocking waits, sleeps and interruptible I/O.
	 * @return the step timeout, or an empty string for none
	 */
	String step() default "";

}
