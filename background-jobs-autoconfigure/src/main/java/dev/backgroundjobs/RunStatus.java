package dev.backgroundjobs;

/**
 * Status of a run.
 */
public enum RunStatus {

	/**
	 * Waiting for an instance to pick it up: a run that was replayed, woken, invoked by
	 * another run, or whose instance stopped before finishing it.
	 */
	QUEUED,

	/**
	 * Held back by the function's flow control (a concurrency limit, a throttle or a
	 * debounce) until it may start; holds no thread and no lease. Its error says why, and
	 * its wake time says when it is due to be considered again.
	 */
	DELAYED,

	/**
	 * Leased to an instance that is executing it. A run is recorded as running when its
	 * event arrives, since the instance that recorded it hands it straight to a worker
	 * (it may wait a moment for a free one).
	 */
	RUNNING,

	/**
	 * Parked until a wake time, for a durable sleep or a retry backoff; holds no thread.
	 */
	SLEEPING,

	/**
	 * Parked until an awaited event arrives or its timeout passes, or until a function it
	 * invoked finishes; holds no thread.
	 */
	WAITING,

	/**
	 * Finished; its output is stored.
	 */
	COMPLETED,

	/**
	 * A step's retries ran out; the run is a dead letter and can be replayed.
	 */
	FAILED,

	/**
	 * Cancelled before it finished.
	 */
	CANCELLED;

	/**
	 * Whether the run has reached a final status.
	 * @return {@code true} for {@link #COMPLETED}, {@link #FAILED} and {@link #CANCELLED}
	 */
	public boolean isFinished() {
		return this == COMPLETED || this == FAILED || this == CANCELLED;
	}

}
