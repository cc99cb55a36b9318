package dev.backgroundjobs.engine;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runs this instance holds: executing on a worker, waiting in the worker pool's
 * backlog, or scheduled to be dispatched again after an infrastructure failure. The lease
 * heartbeat extends exactly these leases, so a run leased to this instance that nothing
 * here holds lapses and is claimed again.
 * <p>
 * Owned by the {@link RunDispatcher}, the only class that adds and removes runs (from the
 * moment it is handed a run until the run's execution ends without a redispatch); any
 * other class only reads it. Thread-safe. A run may be held more than once at a time (a
 * claim of a run whose lease lapsed while an older execution still runs here): it stays
 * held until every holder has released it.
 */
public final class HeldRuns {

	private final Map<String, Integer> holders = new ConcurrentHashMap<>();

	void hold(String runId) {
		this.holders.merge(runId, 1, Integer::sum);
	}

	void release(String runId) {
		this.holders.computeIfPresent(runId, (id, count) -> (count > 1) ? count - 1 : null);
	}

	/**
	 * Returns the ids of the runs held now.
	 * @return a snapshot of the held run ids
	 */
	public Set<String> runIds() {
		return Set.copyOf(this.holders.keySet());
	}

	/**
	 * Whether a run is held.
	 * @param runId the run id
	 * @return whether some execution of this instance holds it
	 */
	public boolean contains(String runId) {
		return this.holders.containsKey(runId);
	}

}
