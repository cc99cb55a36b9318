package dev.backgroundjobs;

import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

/**
 * Checkpoints the work of a run.
 * <p>
 * Each {@code run} call is a step: its result is stored in the database before the next
 * step starts, and a step whose result has been stored is never run again for that run;
 * when the run is retried or resumed on another instance, the stored result is returned
 * instead. A failing step is retried with exponential backoff up to the function's
 * {@link EventHandler#retries() retries}; when they run out the run fails and becomes a
 * dead letter that can be replayed.
 * <p>
 * A crash between a step's work and the commit of its result runs the step again, so step
 * bodies should be idempotent. Step ids name the step in the run's history; an id used
 * twice in one run gets a counter suffix ({@code send-mail}, {@code send-mail#2}).
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
	 * Runs a step that produces no result, unless it has completed before.
	 * @param id the step id
	 * @param action the work
	 */
	void run(String id, Action action);

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
