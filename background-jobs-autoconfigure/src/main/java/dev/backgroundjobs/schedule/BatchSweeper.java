package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.BatchSettings;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.NewRun;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Runs the batches whose timeout has passed before they filled: at the poll interval, for
 * each batched function of this instance, records the runs of its batches whose first
 * event waited {@code timeout} or longer and dispatches them here. Every instance sweeps;
 * a batch that another instance is closing, or whose key an intake holds, is skipped and
 * closed by whichever instance comes next, so each batch gets one run.
 * <p>
 * A sweep that fails (database unreachable, or anything else) is logged at a throttled
 * rate and the next one tries again; the batches wait in the database meanwhile. Only the
 * scheduler thread calls {@link #sweepNow()} once started; its only mutable state, the
 * scheduled task, is its {@link FixedDelayLoop}'s.
 */
public final class BatchSweeper implements SmartLifecycle {

	private static final LogAccessor logger = new LogAccessor(BatchSweeper.class);

	private final @Nullable BatchStore batches;

	private final FunctionRegistry functions;

	private final RunDispatcher dispatcher;

	private final Settings settings;

	private final Clock clock;

	private final LoopFailures failures = new LoopFailures(logger, "run batches past their timeout");

	private final FixedDelayLoop sweeps;

	/**
	 * Creates the sweeper.
	 * @param batches the batch store, or {@code null} if the application has none (then
	 * no function may be batched)
	 * @param functions the functions of this instance: only their batches are swept
	 * @param dispatcher dispatches the runs of the batches
	 * @param settings the instance id, lease, interval and sweep size
	 * @param clock the engine's clock, for the times of the dispatched runs
	 * @param scheduler runs the sweeps
	 */
	public BatchSweeper(@Nullable BatchStore batches, FunctionRegistry functions, RunDispatcher dispatcher,
			Settings settings, Clock clock, ScheduledExecutorService scheduler) {
		this.batches = batches;
		this.functions = functions;
		this.dispatcher = dispatcher;
		this.settings = settings;
		this.clock = clock;
		this.sweeps = new FixedDelayLoop(scheduler, settings.interval(), this::sweepNow, logger, "batch sweep");
	}

	/**
	 * Runs the batches past their timeout now.
	 * @return how many batch runs were recorded, or -1 if the sweep failed
	 */
	public int sweepNow() {
		try {
			int recorded = 0;
			for (FunctionDefinition function : batched()) {
				BatchSettings batch = function.batch();
				if (batch == null || this.batches == null) {
					continue;
				}
				List<NewRun> runs = this.batches.closeDue(function.id(), batch.maxSize(), batch.timeout(),
						this.settings.limit(), this.settings.instanceId(), this.settings.lease());
				Instant now = this.clock.instant();
				for (NewRun run : runs) {
					logger.debug(() -> "Batch " + run.eventId() + " of function '" + function.id() + "' timed out: run "
							+ run.runId());
					this.dispatcher.dispatch(run.asLeased(this.settings.instanceId(), now), true);
				}
				recorded += runs.size();
			}
			this.failures.succeeded();
			return recorded;
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
			return -1;
		}
	}

	private List<FunctionDefinition> batched() {
		return this.functions.functions().stream().filter((function) -> function.batch() != null).toList();
	}

	@Override
	public void start() {
		if (this.sweeps.isRunning() || batched().isEmpty()) {
			return;
		}
		Assert.state(this.batches != null, "Functions are batched, but there is no BatchStore bean");
		this.sweeps.start();
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

	/**
	 * How the sweeper records and sweeps.
	 *
	 * @param instanceId this instance's id, the lease owner of the runs it records
	 * @param lease the lease length of the runs it records
	 * @param interval time between sweeps
	 * @param limit most keys of one function closed per sweep
	 */
	public record Settings(String instanceId, Duration lease, Duration interval, int limit) {

	}

}
