package dev.backgroundjobs.it;

import java.time.Duration;

import dev.backgroundjobs.Concurrency;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Priority;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;

/**
 * Handlers with concurrency limits and priorities, used by
 * {@link ConcurrencyIntegrationTests}.
 */
class ConcurrencyTestFunctions {

	private final Probe probe;

	private final Occupancy occupancy;

	ConcurrencyTestFunctions(Probe probe, Occupancy occupancy) {
		this.probe = probe;
		this.occupancy = occupancy;
	}

	/**
	 * Two steps around a sleep, each counted in the key's occupancy: a run holds no slot
	 * while it sleeps, so the second step must get one again.
	 */
	@EventHandler(id = "two-per-key", event = "test/two-per-key",
			concurrency = @Concurrency(limit = 2, key = "data.key"))
	String twoPerKey(Event<Job> event, Step step) {
		String key = event.data().key();
		step.run("before-sleep", () -> this.occupancy.occupy(key, event.data().sleepMillis()));
		step.sleep("pause", Duration.ofMillis(100));
		step.run("after-sleep", () -> {
			this.occupancy.occupy(key, event.data().sleepMillis());
			this.probe.hit(event.id(), "two-per-key");
		});
		return "done";
	}

	/**
	 * One run per key at a time, ranked by {@code data.failTimes} (seconds ahead); the
	 * first attempt of a run whose {@code sleepMillis} is negative waits at the key's
	 * gate until the test opens it.
	 */
	@EventHandler(id = "one-per-key", event = "test/one-per-key",
			concurrency = @Concurrency(limit = 1, key = "data.key"),
			priority = @Priority(aheadSeconds = "data.failTimes"))
	String onePerKey(Event<Job> event, Step step, RunContext context) {
		String key = event.data().key();
		step.run("work", () -> {
			this.occupancy.started(key, event.id());
			if (event.data().sleepMillis() < 0 && context.attempt() == 1) {
				this.probe.pass(key);
			}
			this.occupancy.occupy(key, 0);
		});
		return "done";
	}

}
