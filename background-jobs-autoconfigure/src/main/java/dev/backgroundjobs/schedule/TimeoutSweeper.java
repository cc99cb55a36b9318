package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

import dev.backgroundjobs.engine.FunctionTimeouts;
import dev.backgroundjobs.function.RunTimeouts;
import dev.backgroundjobs.store.RunStore;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;

/**
 * Cancels runs past their function's start or finish timeout that no worker would stop:
 * runs still queued after their start timeout (never claimed, or waiting in a backlog),
 * and runs queued, sleeping or waiting after their finish timeout. A running run past its
 * finish timeout is cancelled too; its executing instance then stops it as it stops any
 * cancelled run (its executing worker also stops it at its next step on its own).
 * <p>
 * Every instance sweeps, at the poll interval, only the functions that have such
 * timeouts; a run cancelled twice is harmless, as cancelling a finished run does nothing.
 * A sweep that fails is logged at a throttled rate and the next one tries again.
 */
public final class TimeoutSweeper implements SmartLifecycle {

	private static final LogAccessor logger = new LogAccessor(TimeoutSweeper.class);

	private final RunStore runStore;

	private final FunctionTimeouts timeouts;

	private final int batchSize;

	private final LoopFailures failures = new LoopFailures(logger, "cancel runs past their timeouts");

	private final FixedDelayLoop sweeps;

	/**
	 * Creates the sweeper.
	 * @param runStore the run store
	 * @param timeouts the functions' time limits
	 * @param scheduler runs the sweeps
	 * @param interval time between sweeps
	 * @param batchSize most runs of one function cancelled per sweep and timeout
	 */
	public TimeoutSweeper(RunStore runStore, FunctionTimeouts timeouts, ScheduledExecutorService scheduler,
			Duration interval, int batchSize) {
		this.runStore = runStore;
		this.timeouts = timeouts;
		this.batchSize = batchSize;
		this.sweeps = new FixedDelayLoop(scheduler, interval, this::sweepNow, logger, "timeout sweep");
	}

	/**
	 * Cancels the runs past their timeouts now.
	 * @return how many runs were cancelled, or -1 if the sweep failed
	 */
	public int sweepNow() {
		try {
			int cancelled = 0;
			for (Map.Entry<String, RunTimeouts> entry : this.timeouts.withRunLimits().entrySet()) {
				String functionId = entry.getKey();
				Duration start = entry.getValue().start();
				Duration finish = entry.getValue().finish();
				if (start != null) {
					cancelled += cancel(this.runStore.findStartOverdue(functionId, start, this.batchSize),
							FunctionTimeouts::startTimeoutPassed, start, functionId);
				}
				if (finish != null) {
					cancelled += cancel(this.runStore.findFinishOverdue(functionId, finish, this.batchSize),
							FunctionTimeouts::finishTimeoutPassed, finish, functionId);
				}
			}
			this.failures.succeeded();
			return cancelled;
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
			return -1;
		}
	}

	private int cancel(List<String> runIds, Function<Duration, String> reasons, Duration timeout, String functionId) {
		String reason = reasons.apply(timeout);
		int cancelled = 0;
		for (String runId : runIds) {
			if (this.runStore.cancel(runId, reason)) {
				cancelled++;
				logger.info(() -> "Cancelled run " + runId + " of function '" + functionId + "': " + reason);
			}
		}
		return cancelled;
	}

	@Override
	public void start() {
		if (!this.timeouts.withRunLimits().isEmpty()) {
			this.sweeps.start();
		}
	}

	@Override
	public void stop() {
		this.sweeps.stop();
	}

	@Override
	public boolean isRunning() {
		return this.sweeps.isRunning();
	}

	@Override
	public int getPhase() {
		return EngineLifecycle.PHASE;
	}

}
