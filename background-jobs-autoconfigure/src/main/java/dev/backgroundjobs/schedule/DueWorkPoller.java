package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.ConcurrencyLimit;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;

/**
 * Claims due work and dispatches it: parked runs whose wake time has come and runs whose
 * lease expired because their instance died. The runs of functions with a concurrency
 * limit are claimed through {@link RunStore#claimAdmitted}, only as far as their keys
 * have free slots. Claims skip rows locked by other instances, so every instance can poll
 * at once; it never claims more than its worker pool can start soon.
 * <p>
 * A failed poll (database unreachable, connection pool exhausted, or anything else) is
 * logged at a throttled rate and the next poll tries again: the loop never stops. Expired
 * leases are not taken over while the {@link TakeoverHold} holds them back, after the
 * database was unreachable.
 * <p>
 * Delayed runs of throttled functions that start within {@code startAhead} are claimed
 * ahead of their time and started by this instance at that time, so their spacing does
 * not depend on the poll interval; {@code startAhead} must exceed the poll interval.
 */
public final class DueWorkPoller {

	private static final LogAccessor logger = new LogAccessor(DueWorkPoller.class);

	private final RunStore runStore;

	private final RunDispatcher dispatcher;

	private final String instanceId;

	private final Duration lease;

	private final int batchSize;

	private final FunctionRegistry functions;

	private final TakeoverHold takeoverHold;

	private final Duration startAhead;

	/**
	 * How long before their start throttled runs are claimed when none is given: twice
	 * the default poll interval.
	 */
	public static final Duration DEFAULT_START_AHEAD = Duration.ofSeconds(2);

	private final LoopFailures failures = new LoopFailures(logger, "claim due runs");

	/**
	 * Creates a poller.
	 * @param runStore the run store
	 * @param dispatcher dispatches claimed runs
	 * @param instanceId this instance's id, the lease owner
	 * @param lease the lease length
	 * @param batchSize the most runs to claim at once
	 * @param functions the functions of this instance: only their runs are claimed
	 * @param takeoverHold tells whether expired leases may be taken over, and learns from
	 * each poll whether the database was reached
	 */
	public DueWorkPoller(RunStore runStore, RunDispatcher dispatcher, String instanceId, Duration lease, int batchSize,
			FunctionRegistry functions, TakeoverHold takeoverHold) {
		this(runStore, dispatcher, instanceId, lease, batchSize, functions, takeoverHold, DEFAULT_START_AHEAD);
	}

	/**
	 * Creates a poller.
	 * @param runStore the run store
	 * @param dispatcher dispatches claimed runs
	 * @param instanceId this instance's id, the lease owner
	 * @param lease the lease length
	 * @param batchSize the most runs to claim at once
	 * @param functions the functions of this instance: only their runs are claimed
	 * @param takeoverHold tells whether expired leases may be taken over, and learns from
	 * each poll whether the database was reached
	 * @param startAhead how long before their start throttled runs are claimed
	 */
	public DueWorkPoller(RunStore runStore, RunDispatcher dispatcher, String instanceId, Duration lease, int batchSize,
			FunctionRegistry functions, TakeoverHold takeoverHold, Duration startAhead) {
		this.startAhead = startAhead;
		this.functions = functions;
		this.takeoverHold = takeoverHold;
		this.runStore = runStore;
		this.dispatcher = dispatcher;
		this.instanceId = instanceId;
		this.lease = lease;
		this.batchSize = batchSize;
	}

	/**
	 * Claims and dispatches due runs now, repeating while full batches are found and the
	 * pool has room.
	 * @return how many runs were claimed
	 */
	public int pollNow() {
		return poll(true);
	}

	/**
	 * Starts the runs of functions with a concurrency limit that wait for a slot, as far
	 * as slots are free; called when a run of such a function stops holding its slot, so
	 * that the next run of the key starts without waiting for the next poll. Only runs
	 * already waiting are looked at (see {@link RunStore#claimFreedSlots}): the work that
	 * falls due with time is the poll's.
	 * @return how many runs were claimed
	 */
	public int admitNow() {
		return poll(false);
	}

	private int poll(boolean all) {
		int total = 0;
		List<String> functionIds = new ArrayList<>();
		List<RunStore.Admission> admissions = new ArrayList<>();
		for (FunctionDefinition function : this.functions.functions()) {
			ConcurrencyLimit concurrency = function.concurrency();
			if (concurrency != null) {
				admissions.add(new RunStore.Admission(function.id(), concurrency.limit(), concurrency.reason()));
			}
			else {
				functionIds.add(function.id());
			}
		}
		if (!all && admissions.isEmpty()) {
			return 0;
		}
		try {
			if (all) {
				total += claimStarting();
			}
			while (true) {
				int limit = Math.min(this.batchSize, this.dispatcher.pool().availableCapacity());
				if (limit <= 0) {
					return total;
				}
				long started = System.nanoTime();
				@Nullable Instant cutoff = all ? this.takeoverHold.takeoverCutoff() : null;
				List<RunRecord> claimed = new ArrayList<>();
				if (all) {
					claimed.addAll(this.runStore.claimDue(this.instanceId, this.lease, limit, functionIds, cutoff,
							this.dispatcher.heldRuns()::contains));
				}
				// Functions with a concurrency limit claim through their admission only:
				// the statements of functions without one are those they always were.
				if (!admissions.isEmpty() && claimed.size() < limit) {
					claimed.addAll(all
							? this.runStore.claimAdmitted(this.instanceId, this.lease, limit - claimed.size(),
									admissions, cutoff, this.dispatcher.heldRuns()::contains)
							: this.runStore.claimFreedSlots(this.instanceId, this.lease, limit - claimed.size(),
									admissions));
				}
				this.takeoverHold.reached(Duration.ofNanos(System.nanoTime() - started));
				for (RunRecord run : claimed) {
					logger.debug(() -> "Claimed due run " + run.runId() + " of function '" + run.functionId() + "'");
					// A claim leaves a run QUEUED, to be started by its executor, except
					// an
					// admitted run that never started: it is claimed started and has no
					// steps, as a run the intake starts at once.
					this.dispatcher.dispatch(run, run.status() == RunStatus.RUNNING);
				}
				total += claimed.size();
				if (claimed.size() < limit) {
					this.failures.succeeded();
					return total;
				}
			}
		}
		catch (RuntimeException ex) {
			this.takeoverHold.failed(ex);
			this.failures.failed(ex);
			return total;
		}
	}

	/**
	 * Claims the delayed runs of throttled functions that start soon and schedules each
	 * to start at its time on this instance.
	 */
	private int claimStarting() {
		List<String> throttled = this.functions.functions()
			.stream()
			// A throttled function with a concurrency limit starts its delayed runs
			// through its admission, once their time has come.
			.filter((function) -> function.throttle() != null && function.concurrency() == null)
			.map(FunctionDefinition::id)
			.toList();
		int total = 0;
		while (!throttled.isEmpty()) {
			List<RunStore.HeldRun> claimed = this.runStore.claimStarting(this.instanceId, this.lease, this.batchSize,
					throttled, this.startAhead);
			for (RunStore.HeldRun held : claimed) {
				logger.debug(() -> "Claimed run " + held.run().runId() + " of function '" + held.run().functionId()
						+ "', starting in " + held.startsIn());
				this.dispatcher.dispatchAfter(held.run(), held.startsIn());
			}
			total += claimed.size();
			if (claimed.size() < this.batchSize) {
				break;
			}
		}
		return total;
	}

}
