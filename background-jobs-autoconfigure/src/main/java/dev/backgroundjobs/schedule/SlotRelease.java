package dev.backgroundjobs.schedule;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.RunRecord;

import org.springframework.core.log.LogAccessor;

/**
 * Starts waiting runs as soon as a run of a function with a concurrency limit ends on
 * this instance (finishes or parks), rather than at the next poll: its slot is free, so
 * {@link DueWorkPoller#admitNow} runs on the engine's scheduler thread, where polls run,
 * so that this instance never admits from two threads at once. Ends that arrive while an
 * admission is pending share it. Waiting runs on other instances are started by their own
 * polls.
 */
public final class SlotRelease implements Consumer<RunRecord> {

	private static final LogAccessor logger = new LogAccessor(SlotRelease.class);

	private final DueWorkPoller poller;

	private final FunctionRegistry functions;

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
	 * @param scheduler the engine's scheduler thread
	 */
	public SlotRelease(DueWorkPoller poller, FunctionRegistry functions, Executor scheduler) {
		this.poller = poller;
		this.functions = functions;
		this.scheduler = scheduler;
	}

	@Override
	public void accept(RunRecord run) {
		FunctionDefinition function = this.functions.find(run.functionId());
		if (function == null || function.concurrency() == null || !this.pending.compareAndSet(false, true)) {
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
