package dev.backgroundjobs.benchmarks;

/**
 * One system under test, started against the benchmark's broker and database. The
 * workloads drive it through these calls; its handlers report to a {@link Probe}.
 */
public interface Contender extends AutoCloseable {

	/**
	 * Returns the name used in the results table.
	 * @return the name
	 */
	String name();

	/**
	 * Durably accepts one unit of work that does not run during the workload (W1).
	 */
	void accept();

	/**
	 * Makes the next {@link #accept()} the first to its destination, as the first one of
	 * a new application would be. Only background-jobs has something to create: a new
	 * event, whose topic the first send creates.
	 */
	default void beforeFirstAccept() {
	}

	/**
	 * Durably submits one unit of work of the given kind, to run now.
	 * @param kind the kind of work
	 * @param sentNanos {@link System#nanoTime()} when submitting began, passed to the
	 * handler
	 */
	void submit(WorkKind kind, long sentNanos);

	/**
	 * Submits several one-step units of work through the system's own batch API, durably,
	 * in one call.
	 * @param count how many
	 * @param sentNanos the submit time of each
	 * @return whether the system has a batch API; {@code false} if it has none and
	 * nothing was submitted
	 */
	default boolean submitBatch(int count, long sentNanos) {
		return false;
	}

	/**
	 * Submits one unit of work inside a Spring-managed transaction on the system's own
	 * database, which also inserts an order row: both commit together. Returns
	 * {@code false}, having done nothing, when the system cannot enqueue inside the
	 * caller's transaction.
	 * @param kind what to run
	 * @param sentNanos {@link System#nanoTime()} when the transaction began
	 * @return whether the system supports it
	 */
	default boolean submitInTransaction(WorkKind kind, long sentNanos) {
		return false;
	}

	/**
	 * Stops taking work: what is submitted from now on waits in the store until
	 * {@link #startWorkers()}. Work already taken may finish.
	 */
	void stopWorkers();

	/**
	 * Starts taking work again after {@link #stopWorkers()}; does nothing while running.
	 */
	void startWorkers();

	/**
	 * Counts units of work in the store that have not reached their final successful
	 * state.
	 * @return the count
	 */
	long unfinished();

	/**
	 * Deletes everything this system stored, between workloads, and vacuums the tables it
	 * deleted from (see {@link Infrastructure#vacuum}).
	 */
	void clear();

	@Override
	void close();

	/**
	 * The kinds of work the workloads submit.
	 */
	enum WorkKind {

		/**
		 * One no-op step (W2).
		 */
		ONE_STEP,

		/**
		 * Three no-op steps, or the peer's closest equivalent (W3).
		 */
		THREE_STEPS,

		/**
		 * Reports its start time, then runs one no-op step (W4).
		 */
		PICKUP

	}

}
