package dev.backgroundjobs;

/**
 * Status of a run.
 */
public enum RunStatus {

	/**
	 * Recorded and waiting for a worker.
	 */
	QUEUED,

	/**
	 * Executing on a worker.
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
