package dev.backgroundjobs.engine;

import java.time.Duration;

import dev.backgroundjobs.RunNotFoundException;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;

import org.springframework.core.log.LogAccessor;

/**
 * {@link RunOperations} over the run store: a replayed run is leased to this instance and
 * dispatched at once.
 */
public final class DefaultRunOperations implements RunOperations {

	private static final LogAccessor logger = new LogAccessor(DefaultRunOperations.class);

	private final RunStore runStore;

	private final RunDispatcher dispatcher;

	private final InstanceId instanceId;

	private final Duration lease;

	/**
	 * Creates the operations.
	 * @param runStore the run store
	 * @param dispatcher dispatches replayed runs
	 * @param instanceId this instance, which takes the replayed run's lease
	 * @param lease the lease length
	 */
	public DefaultRunOperations(RunStore runStore, RunDispatcher dispatcher, InstanceId instanceId, Duration lease) {
		this.runStore = runStore;
		this.dispatcher = dispatcher;
		this.instanceId = instanceId;
		this.lease = lease;
	}

	@Override
	public RunStatus replay(String runId) {
		RunRecord replayed = this.runStore.replay(runId, this.instanceId.value(), this.lease);
		if (replayed == null) {
			RunRecord run = this.runStore.find(runId);
			if (run == null) {
				throw new RunNotFoundException(runId);
			}
			throw new RunStateException("Run " + runId + " of function '" + run.functionId() + "' is " + run.status()
					+ "; only FAILED runs can be replayed", run.status());
		}
		logger.info(() -> "Replaying run " + runId + " of function '" + replayed.functionId() + "'");
		this.dispatcher.dispatch(replayed, false);
		return replayed.status();
	}

	@Override
	public RunStatus cancel(String runId) {
		if (this.runStore.cancel(runId)) {
			logger.info(() -> "Cancelled run " + runId);
			return RunStatus.CANCELLED;
		}
		RunRecord run = this.runStore.find(runId);
		if (run == null) {
			throw new RunNotFoundException(runId);
		}
		throw new RunStateException("Run " + runId + " of function '" + run.functionId() + "' is " + run.status()
				+ "; only QUEUED, SLEEPING or WAITING runs can be cancelled", run.status());
	}

}
