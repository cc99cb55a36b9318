package dev.backgroundjobs;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import org.springframework.core.ParameterizedTypeReference;

/**
 * Checkpoints the work of a run.
 * <p>
 * Each {@code run} call is a step: its result is stored in the database before the next
 * step starts, and a step whose result has been stored is never run again for that run;
 * when the run is retried or resumed on another instance, the stored result is returned
 * instead. A failing step is retried with exponential backoff up to the function's
 * {@link EventHandler#retries() retries}, or as its {@link EventHandler#retry() retry
 * policy} or the step's own ({@link #withRetry}) says; when they run out, or on a failure
 * that is not retried (such as a {@link NonRetryableException}), the run fails and
 * becomes a dead letter that can be replayed.
 * <p>
 * A crash between a step's work and the commit of its result runs the step again, so step
 * bodies should be idempotent. Step ids name the step in the run's history; an id used
 * twice in one run gets a counter suffix ({@code send-mail}, {@code send-mail#2}).
 * <p>
 * {@link #sleep sleep} and {@link #sleepUntil sleepUntil} are durable: the run is parked
 * in the database and holds no thread while it sleeps, and it resumes after its wake time
 * even if every instance of the application was restarted in between.
 */
public interface Step {

	/**
	 * Runs a step that produces a result, or returns its stored result.
	 * @param <T> the result type
	 * @param id the step id
	 * @param type the result type, used to read a stored result back
	 * @param action the work
	 * @return the result
	 */
	<T> @Nullable T run(String id, Class<T> type, Callable<T> action);

	/**
	 * Runs a step that produces a result of a generic type, or returns its stored result
	 * read back as that type, for example a {@code List<Invoice>}: <pre class="code">
	 * List&lt;Invoice&gt; invoices = step.run("load", new ParameterizedTypeReference&lt;&gt;() { }, () -&gt; repository.open());
	 * </pre>
	 * @param <T> the result type
	 * @param id the step id
	 * @param type the result type, used to read a stored result back
	 * @param action the work
	 * @return the result
	 */
	<T> @Nullable T run(String id, ParameterizedTypeReference<T> type, Callable<T> action);

	/**
	 * Runs a step that produces no result, unless it has completed before.
	 * @param id the step id
	 * @param action the work
	 */
	void run(String id, Action action);

	/**
	 * Runs several steps at once and returns their results in the order of the branches.
	 * <p>
	 * Each branch is an ordinary step with its own id ({@code id/name}), checkpoint,
	 * attempts and retries; it starts at once on a thread of the engine's branch pool
	 * ({@code background-jobs.worker.branch-concurrency} bounds how many branches of all
	 * runs of the instance run at a time). A branch completed before is not run again:
	 * its stored result is returned, so a resumed run gets the same results and runs only
	 * the branches that had not completed.
	 * <p>
	 * A branch's body must not call this {@code Step}: any step called from inside a
	 * branch, or from a thread other than the handler's, fails with an
	 * {@link IllegalStateException}.
	 * <p>
	 * The call returns when every branch has ended. A branch that fails after its retries
	 * fails the call with {@link StepFailedException} naming that branch; a branch whose
	 * backoff is long enough to park the run parks it. Either way, the siblings finish
	 * first and their completed results stay checkpointed, so they are not run again.
	 * @param <T> the common type of the results
	 * @param id the step id; the branches' ids start with it
	 * @param branches the branches, with distinct names
	 * @return the results, one per branch, {@code null} for a branch without result
	 * @throws StepFailedException if a branch failed after its retries
	 * @throws IllegalArgumentException if two branches have the same name
	 */
	<T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches);

	/**
	 * Sleeps durably for a duration: the run is parked as {@link RunStatus#SLEEPING
	 * SLEEPING} with its wake time in the database, frees its worker, and resumes after
	 * that time on any instance, running again from the start with the steps before the
	 * sleep returning their stored results. The wake time is fixed when the sleep first
	 * runs, so a resumed run does not sleep again. A woken run starts at most about one
	 * poll interval ({@code background-jobs.poller.interval}) late.
	 * @param id the step id
	 * @param duration how long to sleep; zero or negative does not park
	 */
	void sleep(String id, Duration duration);

	/**
	 * Sleeps durably until an instant, as {@link #sleep(String, Duration)} does. An
	 * instant in the past does not park.
	 * @param id the step id
	 * @param time when the run should resume
	 */
	void sleepUntil(String id, Instant time);

	/**
	 * Publishes an event once per run, as a step: the event id is derived from the run
	 * and step ids, so neither a retry of the run nor a redelivery of its triggering
	 * event publishes it again, and a publish repeated after a crash before the step's
	 * checkpoint is deduplicated by that id. Functions triggered by the event start once.
	 * @param id the step id
	 * @param name the event name
	 * @param data the payload, serialised as JSON
	 * @return the id of the published event
	 */
	String sendEvent(String id, String name, Object data);

	/**
	 * Runs another function of this application and returns its output, as a step. The
	 * callee gets a run of its own, triggered by an event named
	 * {@code invoke/<functionId>} with {@code data} as payload, with its own steps,
	 * retries and dead letter. The caller is parked as {@link RunStatus#WAITING WAITING}
	 * meanwhile, holding no thread, and resumes when the callee finishes: with the
	 * callee's output, stored as this step's result, or, if the callee failed, with this
	 * step failing at once (the callee has spent its own retries).
	 * @param <T> the output type
	 * @param id the step id
	 * @param functionId the id of the function to run
	 * @param data the payload of the callee's event, serialised as JSON
	 * @param type the callee's output type
	 * @return the callee's output, {@code null} if it returned nothing
	 * @throws StepFailedException if the callee failed or was cancelled
	 * @throws IllegalArgumentException if no function has that id
	 */
	<T> @Nullable T invoke(String id, String functionId, Object data, Class<T> type);

	/**
	 * Runs another function of this application and returns its output read as a generic
	 * type, as {@link #invoke(String, String, Object, Class)} does.
	 * @param <T> the output type
	 * @param id the step id
	 * @param functionId the id of the function to run
	 * @param data the payload of the callee's event, serialised as JSON
	 * @param type the callee's output type
	 * @return the callee's output, {@code null} if it returned nothing
	 * @throws StepFailedException if the callee failed or was cancelled
	 * @throws IllegalArgumentException if no function has that id
	 */
	<T> @Nullable T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type);

	/**
	 * Waits durably for an event, as a step: the run is parked as
	 * {@link RunStatus#WAITING WAITING}, holding no thread, until an event named
	 * {@code event} that matches arrives, or until {@code timeout} has passed.
	 * <p>
	 * An event matches when it happened at or after the moment the wait began (events
	 * sent earlier never match) and when {@code match} holds. {@code match} compares a
	 * field of this run's triggering event with a field of the awaited event:
	 * <ul>
	 * <li>a path such as {@code data.documentId} compares the same field of both events;
	 * </li>
	 * <li>{@code event.data.documentId == async.data.document.id} compares a field of the
	 * triggering event ({@code event.}) with another of the awaited event
	 * ({@code async.}).</li>
	 * </ul>
	 * A path is {@code data} followed by field names separated by dots. The fields must
	 * hold strings, numbers or booleans; they are compared as JSON values, so
	 * {@code "42"} does not match {@code 42}. Matching is an indexed database lookup, so
	 * any number of runs may wait at once.
	 * @param <T> the awaited event's payload type
	 * @param id the step id
	 * @param event the name of the awaited event
	 * @param type the awaited event's payload type
	 * @param timeout how long to wait
	 * @param match the match expression
	 * @return the matching event, or empty if the wait timed out
	 * @throws IllegalArgumentException if {@code match} is not valid, or the triggering
	 * event has no value at its path
	 */
	<T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout, String match);

	/**
	 * Waits durably for an event whose payload is read as a generic type, as
	 * {@link #waitForEvent(String, String, Class, Duration, String)} does.
	 * @param <T> the awaited event's payload type
	 * @param id the step id
	 * @param event the name of the awaited event
	 * @param type the awaited event's payload type
	 * @param timeout how long to wait
	 * @param match the match expression
	 * @return the matching event, or empty if the wait timed out
	 * @throws IllegalArgumentException if {@code match} is not valid, or the triggering
	 * event has no value at its path
	 */
	<T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type, Duration timeout,
			String match);

	/**
	 * Returns a view of this step whose {@code run}, {@code sendEvent} and
	 * {@code parallel} steps (each branch) are retried with a policy of their own; what
	 * the policy leaves unset comes from the function's. The view shares this step's run:
	 * its steps are checkpointed and numbered with the others. <pre class="code">
	 * step.withRetry(RetryPolicy.attempts(2)).run("notify", () -&gt; notifier.send(message));
	 * </pre>
	 * @param policy the policy of the view's steps
	 * @return the view
	 */
	Step withRetry(RetryPolicy policy);

	/**
	 * Work of a step that produces no result and may throw.
	 */
	@FunctionalInterface
	interface Action {

		/**
		 * Does the work.
		 * @throws Exception on failure, which is retried
		 */
		void run() throws Exception;

	}

}
