package dev.backgroundjobs.benchmarks;

import java.time.Duration;

import dev.backgroundjobs.Concurrency;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;

/**
 * The background-jobs functions of the workloads: no-op steps that report to the
 * {@link Probe}.
 */
public class BenchFunctions {

	/**
	 * The event W2 publishes.
	 */
	public static final String ONE_STEP = "bench.one-step";

	/**
	 * The event W2 with a concurrency key publishes.
	 */
	public static final String ONE_STEP_PER_KEY = "bench.one-step-per-key";

	/**
	 * How many runs of one key of {@link #ONE_STEP_PER_KEY} run at once.
	 */
	public static final int KEY_LIMIT = 5;

	/**
	 * The event W3 publishes.
	 */
	public static final String THREE_STEPS = "bench.three-steps";

	/**
	 * The event W4 publishes.
	 */
	public static final String PICKUP = "bench.pickup";

	/**
	 * The event W5 publishes to park runs.
	 */
	public static final String NAP = "bench.nap";

	private final Probe probe;

	/**
	 * Creates the functions.
	 * @param probe receives what the handlers report
	 */
	public BenchFunctions(Probe probe) {
		this.probe = probe;
	}

	/**
	 * W2: one no-op step.
	 * @param event the event
	 * @param step the step
	 */
	@EventHandler(id = "bench-one-step", event = ONE_STEP)
	public void oneStep(Event<Ping> event, Step step) {
		step.run("noop", () -> {
		});
		this.probe.finished();
	}

	/**
	 * W2 with a concurrency key: one no-op step, at most {@link #KEY_LIMIT} runs of a key
	 * at once.
	 * @param event the event
	 * @param step the step
	 */
	@EventHandler(id = "bench-one-step-per-key", event = ONE_STEP_PER_KEY,
			concurrency = @Concurrency(limit = KEY_LIMIT, key = "data.key"))
	public void oneStepPerKey(Event<KeyedPing> event, Step step) {
		step.run("noop", () -> {
		});
		this.probe.finished();
	}

	/**
	 * W3: three no-op steps.
	 * @param event the event
	 * @param step the step
	 */
	@EventHandler(id = "bench-three-steps", event = THREE_STEPS)
	public void threeSteps(Event<Ping> event, Step step) {
		step.run("first", () -> {
		});
		step.run("second", () -> {
		});
		step.run("third", () -> {
		});
		this.probe.finished();
	}

	/**
	 * W4: reports its start, then one no-op step.
	 * @param event the event
	 * @param step the step
	 */
	@EventHandler(id = "bench-pickup", event = PICKUP)
	public void pickup(Event<Ping> event, Step step) {
		this.probe.started(event.data().sentNanos());
		step.run("noop", () -> {
		});
		this.probe.finished();
	}

	/**
	 * W5: parks the run in a durable sleep of an hour.
	 * @param event the event
	 * @param step the step
	 */
	@EventHandler(id = "bench-nap", event = NAP)
	public void nap(Event<Ping> event, Step step) {
		step.sleep("nap", Duration.ofHours(1));
	}

}
