package dev.backgroundjobs.faults.app;

import java.time.Duration;
import java.util.Optional;

import dev.backgroundjobs.Concurrency;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The functions under test: three steps, a sleep, a wait for an event (and the function
 * that sends it), an invoke, a cron, a step that fails with values a database cannot
 * store, and a step that holds one of two concurrency slots of its key for a while. Every
 * step body records itself in the {@link StepLedger}.
 */
@Component
class FaultFunctions {

	private final StepLedger ledger;

	private final Duration sleep;

	private final Duration waitTimeout;

	private final Duration work;

	FaultFunctions(StepLedger ledger, @Value("${faults.sleep:2s}") Duration sleep,
			@Value("${faults.wait-timeout:30s}") Duration waitTimeout,
			@Value("${faults.limited-work:400ms}") Duration work) {
		this.ledger = ledger;
		this.sleep = sleep;
		this.waitTimeout = waitTimeout;
		this.work = work;
	}

	@EventHandler(id = "three-steps", event = "fault/order")
	String threeSteps(Event<FaultEvent> event, Step step, RunContext run) {
		step.run("a", () -> this.ledger.record(run.runId(), "a"));
		step.run("b", () -> this.ledger.record(run.runId(), "b"));
		step.run("c", () -> this.ledger.record(run.runId(), "c"));
		return event.data().key();
	}

	@EventHandler(id = "sleeper", event = "fault/nap")
	void sleeper(Step step, RunContext run) {
		step.run("before", () -> this.ledger.record(run.runId(), "before"));
		step.sleep("nap", this.sleep);
		step.run("after", () -> this.ledger.record(run.runId(), "after"));
	}

	@EventHandler(id = "waiter", event = "fault/review")
	String waiter(Step step, RunContext run) {
		step.run("before", () -> this.ledger.record(run.runId(), "before"));
		Optional<Event<FaultEvent>> approval = step.waitForEvent("approval", "fault/approved", FaultEvent.class,
				this.waitTimeout, "data.key");
		step.run("after", () -> this.ledger.record(run.runId(), "after"));
		return approval.isPresent() ? "approved" : "timed out";
	}

	@EventHandler(id = "approver", event = "fault/review")
	void approver(Event<FaultEvent> event, Step step, RunContext run) {
		step.sleep("pause", this.sleep);
		step.run("sending", () -> this.ledger.record(run.runId(), "sending"));
		step.sendEvent("approve", "fault/approved", new FaultEvent(event.data().key(), "approved", "ok"));
	}

	@EventHandler(id = "caller", event = "fault/call")
	String caller(Event<FaultEvent> event, Step step, RunContext run) {
		step.run("before", () -> this.ledger.record(run.runId(), "before"));
		String answer = step.invoke("call", "callee", event.data(), String.class);
		step.run("after", () -> this.ledger.record(run.runId(), "after"));
		return answer;
	}

	@EventHandler(id = "callee", event = "fault/callee-direct")
	String callee(Event<FaultEvent> event, Step step, RunContext run) {
		return step.run("answer", String.class, () -> {
			this.ledger.record(run.runId(), "answer");
			return "answer for " + event.data().key();
		});
	}

	@EventHandler(id = "ticker", cron = "*/5 * * * * *")
	void ticker(Step step, RunContext run) {
		step.run("tick", () -> this.ledger.record(run.runId(), "tick"));
	}

	@EventHandler(id = "fragile", event = "fault/fragile", retries = 1)
	String fragile(Event<FaultEvent> event, Step step, RunContext run) {
		FaultEvent data = event.data();
		// Only an attempt that succeeds is recorded: a failed attempt is retried by
		// design.
		return step.run("echo", String.class, () -> {
			if ("nul-message".equals(data.mode())) {
				throw new IllegalStateException("Cannot handle \u0000 in " + data.key());
			}
			if ("huge-message".equals(data.mode())) {
				throw new IllegalStateException("Cannot handle " + "x".repeat(2 * 1024 * 1024));
			}
			this.ledger.record(run.runId(), "echo");
			return data.text();
		});
	}

	/**
	 * At most two runs per key at once. The step body records when it begins
	 * ({@code work}) and when it ends ({@code work-done}), so the harness can count the
	 * bodies of a key that overlapped.
	 */
	@EventHandler(id = "limited", event = "fault/limited", concurrency = @Concurrency(limit = 2, key = "data.key"))
	String limited(Event<FaultEvent> event, Step step, RunContext run) {
		step.run("work", () -> {
			this.ledger.record(run.runId(), "work");
			Thread.sleep(this.work.toMillis());
			this.ledger.record(run.runId(), "work-done");
		});
		return event.data().key();
	}

}
