package dev.backgroundjobs.it;

import java.util.Map;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.Timeouts;

/**
 * Handlers used by {@link FaultToleranceIntegrationTests}.
 */
class FaultTestFunctions {

	private final Probe probe;

	FaultTestFunctions(Probe probe) {
		this.probe = probe;
	}

	@EventHandler(id = "nul-error", event = "test/nul-error", retries = 1)
	void nulError(Event<Job> event, Step step) {
		step.run("bad", () -> {
			this.probe.hit(event.id(), "bad");
			throw new IllegalStateException("bad\u0000byte");
		});
	}

	@EventHandler(id = "outage-announce", event = "test/outage-announce", retries = 0)
	String outageAnnounce(Event<Job> event, Step step) {
		String sent = step.sendEvent("announce", "test/outage-announced", Map.of("source", event.id()));
		step.run("after", () -> this.probe.hit(event.id(), "after"));
		return sent;
	}

	@EventHandler(id = "fails-after-step", event = "test/fails-after-step", retries = 1)
	String failsAfterStep(Event<Job> event, Step step) {
		step.run("one", () -> this.probe.hit(event.id(), "one"));
		this.probe.hit(event.id(), "handler");
		if (this.probe.count(event.id(), "handler") <= event.data().failTimes()) {
			throw new IllegalStateException("Simulated failure of the handler after its step");
		}
		return "done";
	}

	@EventHandler(id = "checkpointed", event = "test/checkpointed", retries = 0)
	String checkpointed(Event<Job> event, Step step) {
		step.run("one", () -> this.probe.hit(event.id(), "one"));
		return "done";
	}

	/**
	 * Hangs in its first attempt until interrupted by the step timeout; answers in the
	 * second.
	 */
	@EventHandler(id = "hanging-step", event = "test/hanging-step", retries = 1, timeouts = @Timeouts(step = "1s"))
	String hangingStep(Event<Job> event, Step step) {
		String key = event.data().key();
		return step.run("hang", String.class, () -> {
			if (this.probe.hit(key, "hang") == 1) {
				try {
					this.probe.pass(key);
				}
				catch (InterruptedException ex) {
					this.probe.hit(key, "interrupted");
					throw ex;
				}
			}
			return "answered";
		});
	}

}
