package dev.backgroundjobs.it;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.engine.InstanceId;

/**
 * Handlers used by the integration tests.
 */
class TestFunctions {

	private final Probe probe;

	private final InstanceId instance;

	TestFunctions(Probe probe, InstanceId instance) {
		this.probe = probe;
		this.instance = instance;
	}

	@EventHandler(id = "three-steps", event = "test/three", retries = 3)
	String threeSteps(Event<Job> event, Step step, RunContext context) {
		String id = event.id();
		String a = step.run("a", String.class, () -> "a" + this.probe.hit(id, "a"));
		String b = step.run("b", String.class, () -> {
			int attempt = this.probe.hit(id, "b");
			if (attempt <= event.data().failTimes()) {
				throw new IllegalStateException("Simulated failure " + attempt + " of step b");
			}
			return "b" + attempt;
		});
		step.run("c", () -> this.probe.hit(id, "c"));
		this.probe.completed(id);
		return a + "-" + b;
	}

	@EventHandler(id = "flaky", event = "test/flaky", retries = 2)
	String flaky(Event<Job> event, Step step) {
		String id = event.id();
		step.run("a", () -> this.probe.hit(id, "a"));
		step.run("b", () -> {
			this.probe.hit(id, "b");
			if (!this.probe.isFixed(id)) {
				throw new IllegalStateException("Downstream service unavailable");
			}
		});
		step.run("c", () -> this.probe.hit(id, "c"));
		return "recovered";
	}

	@EventHandler(id = "fan-a", event = "test/fanout")
	void fanA(Event<Job> event, Step step) {
		step.run("only", () -> this.probe.hit(event.id(), "fan-a"));
	}

	@EventHandler(id = "fan-b", event = "test/fanout")
	void fanB(Event<Job> event, Step step) {
		step.run("only", () -> this.probe.hit(event.id(), "fan-b"));
	}

	@EventHandler(id = "slow", event = "test/slow")
	void slow(Event<Job> event, Step step) {
		step.run("slow", () -> {
			this.probe.hit(event.id(), "slow");
			Thread.sleep(event.data().sleepMillis());
		});
		this.probe.completed(event.id());
	}

	@EventHandler(id = "bulk", event = "test/bulk")
	void bulk(Event<Job> event, Step step, RunContext context) {
		String id = event.id();
		step.run("one", () -> this.probe.hit(id, "one"));
		step.run("two", () -> this.probe.hit(id, "two"));
		step.run("three", () -> {
			this.probe.hit(id, "three");
			this.probe.ranOn("bulk", this.instance.value());
		});
	}

	@EventHandler(id = "oversized", event = "test/oversized")
	void oversized(Event<Job> event, Step step) {
		step.run("small", String.class, () -> "fits");
		step.run("large", String.class, () -> "x".repeat((int) event.data().sleepMillis()));
	}

	@EventHandler(id = "blocking", event = "test/blocking")
	String blocking(Event<Job> event, Step step) {
		String id = event.id();
		step.run("first", () -> this.probe.hit(id, "first"));
		step.run("second", () -> {
			this.probe.hit(id, "second");
			this.probe.maybeBlock(this.instance.value());
		});
		step.run("third", () -> this.probe.hit(id, "third"));
		return "done on " + this.instance.value();
	}

}
