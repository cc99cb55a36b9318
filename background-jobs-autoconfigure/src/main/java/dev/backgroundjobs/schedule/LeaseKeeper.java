package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.Set;

import dev.backgroundjobs.engine.HeldRuns;
import dev.backgroundjobs.store.RunStore;

import org.springframework.core.log.LogAccessor;

/**
 * Extends the leases of the runs this instance holds, with one statement per heartbeat.
 * <p>
 * Only runs that {@link HeldRuns} lists are extended: runs on a worker, in the worker
 * pool's backlog, or waiting for a redispatch. A run leased to this instance in the
 * database that nothing here holds (the answer of a committed insert or claim was lost,
 * or an execution ended without writing) is an orphan: its lease lapses and the due-work
 * poller of some instance claims it, so it cannot stay {@code RUNNING} for as long as
 * this instance lives.
 * <p>
 * A missed heartbeat (database briefly down) is harmless as long as one succeeds before
 * the lease expires; a failed one is logged at a throttled rate and the next tries again.
 */
public final class LeaseKeeper {

	private static final LogAccessor logger = new LogAccessor(LeaseKeeper.class);

	private final RunStore runStore;

	private final HeldRuns heldRuns;

	private final String instanceId;

	private final Duration lease;

	private final TakeoverHold takeoverHold;

	private final LoopFailures failures = new LoopFailures(logger, "extend run leases");

	/**
	 * Creates a lease keeper.
	 * @param runStore the run store
	 * @param heldRuns the runs this instance holds
	 * @param instanceId this instance's id, the lease owner
	 * @param lease the lease length
	 * @param takeoverHold learns from each heartbeat whether the database was reached
	 */
	public LeaseKeeper(RunStore runStore, HeldRuns heldRuns, String instanceId, Duration lease,
			TakeoverHold takeoverHold) {
		this.takeoverHold = takeoverHold;
		this.runStore = runStore;
		this.heldRuns = heldRuns;
		this.instanceId = instanceId;
		this.lease = lease;
	}

	/**
	 * Extends the leases of the runs this instance holds now.
	 * @return how many leases were extended, or -1 if they could not be
	 */
	public int heartbeatNow() {
		try {
			Set<String> held = this.heldRuns.runIds();
			if (held.isEmpty()) {
				this.failures.succeeded();
				return 0;
			}
			long started = System.nanoTime();
			int extended = this.runStore.extendLeases(this.instanceId, held, this.lease);
			this.takeoverHold.reached(Duration.ofNanos(System.nanoTime() - started));
			this.failures.succeeded();
			logger.trace(() -> "Extended " + extended + " of " + held.size() + " held leases");
			return extended;
		}
		catch (RuntimeException ex) {
			this.takeoverHold.failed(ex);
			this.failures.failed(ex);
			return -1;
		}
	}

}
