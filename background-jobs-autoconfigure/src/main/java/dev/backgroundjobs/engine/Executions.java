package dev.backgroundjobs.engine;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.store.RunRecord;

/**
 * The executions running on this instance's workers, so that a cancellation found by the
 * lease heartbeat or made by an operator here reaches the worker executing the run at
 * once, instead of at its next checkpoint, and so that a step past its timeout is
 * interrupted. Thread-safe.
 */
public final class Executions implements AutoCloseable {

	private final Set<Execution> running = ConcurrentHashMap.newKeySet();

	private final StepWatchdog watchdog = new StepWatchdog();

	private final boolean interruptRunningStep;

	/**
	 * Creates the registry.
	 * @param interruptRunningStep whether a cancellation interrupts the step in flight;
	 * otherwise the step finishes and its result is dropped
	 */
	public Executions(boolean interruptRunningStep) {
		this.interruptRunningStep = interruptRunningStep;
	}

	Execution begin(RunRecord run) {
		Execution execution = new Execution(run.runId(), this.watchdog);
		this.running.add(execution);
		return execution;
	}

	void end(Execution execution) {
		this.running.remove(execution);
	}

	/**
	 * Tells the executions of runs that were cancelled in the database to stop: no later
	 * step starts, and the step in flight is interrupted if so configured.
	 * @param runIds the cancelled runs
	 * @param reason why, for the log
	 * @return how many executions were told
	 */
	public int cancelled(Collection<String> runIds, String reason) {
		int told = 0;
		for (Execution execution : this.running) {
			if (runIds.contains(execution.runId())) {
				execution.cancel(reason, this.interruptRunningStep);
				told++;
			}
		}
		return told;
	}

	/**
	 * Stops the thread that times out steps.
	 */
	@Override
	public void close() {
		this.watchdog.close();
	}

	/**
	 * Returns whether a cancellation interrupts the step in flight.
	 * @return whether steps are interrupted
	 */
	public boolean interruptsRunningStep() {
		return this.interruptRunningStep;
	}

}
