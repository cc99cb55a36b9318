package dev.backgroundjobs.schedule;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;

import org.springframework.core.log.LogAccessor;

/**
 * Starts waiting runs as soon as a run of a function with a concurrency limit ends on
 * this instance (finishes or parks), rather than at the next poll: its slot is free, so
 * {@link DueWorkPoller#admitNow} runs on the engine's scheduler thread, where polls run,
 * so that this instance never admits from two threads at once. Ends that arrive while an
 * admission is pending share it. While this instance knows of no run of the function
 * waiting ({@link RunStore#mayHaveRunsWaitingForSlots}), an end hands nothing over: the
 * admission would find nothing to look at. The intake triggers it too once it recorded
 * runs that wait ({@link RunDispatcher#runsWaiting}): a slot freed while they were
 * recorded did not see them. Waiting runs on other instances are started by their own
 * polls.
 */
public final class SlotRelease implements Consumer<RunRecord> {

	private static final LogAccessor logger = new LogAccessor(SlotRelease.class);

	private final DueWorkPoller poller;

	private final FunctionRegistry functions;

	private final RunStore runStore;

	private final Executor scheduler;

	/**
	 * Whether an admission is queued on the scheduler and has not started: set by worker
	 * threads, cleared by the scheduler thread as the admission starts.
	 */
	private final AtomicBoolean pending = new AtomicBoolean();

	private final LoopFailures failures = new LoopFailures(logger, "start runs waiting for a concurrency slot");

	/**
	 * Creates the trigger.
	 * @param poller admits waiting runs
	 * @param functions tells which functions have a concurrency limit
	 * @param runStore tells whether runs of a function may be waiting
	 * @param scheduler the engine's scheduler thread
	 */
	public SlotRelease(DueWorkPoller poller, FunctionRegistry functions, RunStore runStore, Executor scheduler) {
		this.poller = poller;
		this.functions = functions;
		this.runStore = runStore;
		this.scheduler = scheduler;
	}

	@Override
	public void accept(RunRecord run) {
		slotsMayBeFree(run.functionId());
	}

	/**
	 * Admits the waiting runs of a function on the scheduler thread, unless it has no
	 * limit or no run of it is known to wait: what a run's end does, and what the intake
	 * does once it recorded runs made to wait (see {@link RunDispatcher#runsWaiting}).
	 * @param functionId the function id
	 */
	public void slotsMayBeFree(String functionId) {
		FunctionDefinition function = this.functions.find(functionId);
		if (function == null || function.concurrency() == null || !this.runStore.mayHaveRunsWaitingForSlots(functionId)
				|| !this.pending.compareAndSet(false, true)) {
			return;
		}
		try {
			this.scheduler.execute(this::admit);
		}
		catch (RejectedExecutionException ex) {
			// Shutting down: nothing more starts on this instance.
			this.pending.set(false);
		}
	}

	private void admit() {
		this.pending.set(false);
		try {
			this.poller.admitNow();
			this.failures.succeeded();
		}
		catch (RuntimeException ex) {
			this.failures.failed(ex);
		}
	}

}
