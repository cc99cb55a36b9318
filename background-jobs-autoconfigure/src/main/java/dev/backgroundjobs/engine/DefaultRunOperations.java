package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.Set;

import dev.backgroundjobs.RunNotFoundException;
import dev.backgroundjobs.RunOperations;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;

/**
 * {@link RunOperations} over the run store: a replayed run is leased to this instance and
 * dispatched at once; a cancelled run that executes here is told to stop at once.
 */
public final class DefaultRunOperations implements RunOperations {

	private static final LogAccessor logger = new LogAccessor(DefaultRunOperations.class);

	/**
	 * The error recorded on a run cancelled through {@link #cancel}.
	 */
	public static final String CANCELLED_ON_REQUEST = "cancelled on request";

	private final RunStore runStore;

	private final RunDispatcher dispatcher;

	private final InstanceId instanceId;

	private final Duration lease;

	private final @Nullable Executions executions;

	/**
	 * Creates the operations.
	 * @param runStore the run store
	 * @param dispatcher dispatches replayed runs
	 * @param instanceId this instance, which takes the replayed run's lease
	 * @param lease the lease length
	 */
	public DefaultRunOperations(RunStore runStore, RunDispatcher dispatcher, InstanceId instanceId, Duration lease) {
		this(runStore, dispatcher, instanceId, lease, null);
	}

	/**
	 * Creates the operations.
	 * @param runStore the run store
	 * @param dispatcher dispatches replayed runs
	 * @param instanceId this instance, which takes the replayed run's lease
	 * @param lease the lease length
	 * @param executions the executions in flight here, told at once when their run is
	 * cancelled, or {@code null}
	 */
	public DefaultRunOperations(RunStore runStore, RunDispatcher dispatcher, InstanceId instanceId, Duration lease,
			@Nullable Executions executions) {
		this.executions = executions;
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
		if (this.runStore.cancel(runId, CANCELLED_ON_REQUEST)) {
			logger.info(() -> "Cancelled run " + runId);
			// An execution here stops at once; one on another instance stops at its next
			// checkpoint or lease heartbeat.
			if (this.executions != null) {
				this.executions.cancelled(Set.of(runId), CANCELLED_ON_REQUEST);
			}
			return RunStatus.CANCELLED;
		}
		RunRecord run = this.runStore.find(runId);
		if (run == null) {
			throw new RunNotFoundException(runId);
		}
		throw new RunStateException("Run " + runId + " of function '" + run.functionId() + "' is " + run.status()
				+ "; only DELAYED, QUEUED, RUNNING, SLEEPING or WAITING runs can be cancelled", run.status());
	}

	@Override
	public RunStatus rerun(String runId, String stepId) {
		RunRecord queued = this.runStore.rerunFrom(runId, stepId, this.instanceId.value(), this.lease);
		if (queued == null) {
			RunRecord run = this.runStore.find(runId);
			if (run == null) {
				throw new RunNotFoundException(runId);
			}
			throw new RunStateException("Run " + runId + " of function '" + run.functionId() + "' is " + run.status()
					+ "; only COMPLETED, FAILED or CANCELLED runs can be run again from a step", run.status());
		}
		logger.info(() -> "Running run " + runId + " of function '" + queued.functionId() + "' again from step '"
				+ stepId + "'");
		this.dispatcher.dispatch(queued, false);
		return queued.status();
	}

}
