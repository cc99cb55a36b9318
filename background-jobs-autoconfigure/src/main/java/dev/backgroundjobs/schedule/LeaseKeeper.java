package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.backgroundjobs.engine.Executions;
import dev.backgroundjobs.engine.HeldRuns;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

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
 * A held run whose lease could not be extended may have been cancelled: the keeper then
 * reads which held runs are cancelled and tells their executions to stop, so no later
 * step starts (and, if so configured, the step in flight is interrupted) within a
 * heartbeat of the cancellation, on whichever instance executes the run.
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

	private final @Nullable Executions executions;

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
		this(runStore, heldRuns, instanceId, lease, takeoverHold, null);
	}

	/**
	 * Creates a lease keeper that also stops the executions of held runs found cancelled.
	 * @param runStore the run store
	 * @param heldRuns the runs this instance holds
	 * @param instanceId this instance's id, the lease owner
	 * @param lease the lease length
	 * @param takeoverHold learns from each heartbeat whether the database was reached
	 * @param executions the executions in flight, told when their run was cancelled, or
	 * {@code null}
	 */
	public LeaseKeeper(RunStore runStore, HeldRuns heldRuns, String instanceId, Duration lease,
			TakeoverHold takeoverHold, @Nullable Executions executions) {
		this.executions = executions;
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
			if (extended < held.size()) {
				stopCancelled(held);
			}
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

	/**
	 * Some held runs were not extended: cancelled, taken over, or just finished. Only
	 * then is it worth asking which were cancelled, to stop their executions now rather
	 * than at their next checkpoint.
	 */
	private void stopCancelled(Set<String> held) {
		if (this.executions == null) {
			return;
		}
		List<String> cancelled;
		try {
			cancelled = this.runStore.findCancelled(held);
		}
		catch (RuntimeException ex) {
			// The leases were extended; the executions stop at their next checkpoint.
			logger.debug(ex, "Could not read which held runs are cancelled");
			return;
		}
		if (!cancelled.isEmpty()) {
			int told = this.executions.cancelled(cancelled, "cancelled while it ran");
			logger.debug(() -> "Told " + told + " executions of cancelled runs " + cancelled + " to stop");
		}
	}

}
