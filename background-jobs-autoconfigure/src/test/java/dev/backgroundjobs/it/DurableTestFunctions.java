package dev.backgroundjobs.it;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.Step;

import org.springframework.core.ParameterizedTypeReference;

/**
 * Handlers that sleep, send events, invoke functions, wait for events and run parallel
 * steps, used by {@link DurableStepsIntegrationTests}.
 */
class DurableTestFunctions {

	private final Probe probe;

	DurableTestFunctions(Probe probe) {
		this.probe = probe;
	}

	@EventHandler(id = "nap", event = "test/nap")
	String nap(Event<Nap> event, Step step) {
		String id = event.id();
		step.run("before", () -> this.probe.hit(id, "before"));
		if (event.data().until() != null) {
			step.sleepUntil("sleep", event.data().until());
		}
		else {
			step.sleep("sleep", Duration.ofMillis(event.data().millis()));
		}
		step.run("after", () -> this.probe.hit(id, "after"));
		this.probe.completed(id);
		return "rested";
	}

	@EventHandler(id = "announce", event = "test/announce", retries = 3)
	String announce(Event<Job> event, Step step) {
		String id = event.id();
		String sent = step.sendEvent("announce", "test/announced", Map.of("source", id));
		step.run("flaky", () -> {
			if (this.probe.hit(id, "flaky") <= event.data().failTimes()) {
				throw new IllegalStateException("Simulated failure of the step after the send");
			}
		});
		if (this.probe.hit(id, "handler") == 1) {
			throw new IllegalStateException("Simulated failure outside any step: the handler runs again");
		}
		return sent;
	}

	@EventHandler(id = "announced", event = "test/announced")
	void announced(Event<Map<String, Object>> event, Step step) {
		String source = (String) event.data().get("source");
		step.run("count", () -> this.probe.hit(source, "announced"));
	}

	@EventHandler(id = "caller", event = "test/caller", retries = 0)
	String caller(Event<Job> event, Step step) {
		String id = event.id();
		step.run("before", () -> this.probe.hit(id, "before"));
		String answer = step.invoke("call", "callee", event.data(), String.class);
		step.run("after", () -> this.probe.hit(id, "after"));
		return "caller got " + answer;
	}

	@EventHandler(id = "callee", event = "test/callee-direct", retries = 0)
	String callee(Event<Job> event, Step step) {
		Job job = event.data();
		return step.run("answer", String.class, () -> {
			this.probe.hit(job.key(), "callee");
			if (job.failTimes() > 0) {
				throw new IllegalStateException("Callee cannot handle " + job.key());
			}
			Thread.sleep(job.sleepMillis());
			return "answer for " + job.key();
		});
	}

	@EventHandler(id = "fragile", event = "test/fragile", retries = 0, onFailure = "fragileFailed")
	void fragile(Event<Job> event, Step step) {
		String id = event.id();
		step.run("work", () -> {
			this.probe.hit(id, "work");
			throw new IllegalStateException("Cannot process " + event.data().key());
		});
	}

	String fragileFailed(FunctionFailure<Job> failure, Step step) {
		String id = failure.event().id();
		step.run("notify", () -> {
			if (this.probe.hit(id, "notify") == 1) {
				throw new IllegalStateException("Simulated failure of the notification");
			}
		});
		this.probe.hit(id, "failure-handled");
		return failure.functionId() + "|" + failure.runId() + "|" + failure.stepId() + "|"
				+ failure.event().data().key() + "|" + failure.event().name() + "|"
				+ failure.error().lines().findFirst().orElse("");
	}

	@EventHandler(id = "fan-out", event = "test/fan-out", retries = 2)
	String fanOut(Event<Job> event, Step step) {
		String id = event.id();
		List<String> results = step.parallel("fetch", List.of(Branch.of("left", String.class, () -> {
			int attempt = this.probe.hit(id, "left");
			this.probe.meet(id, 2);
			return "left-" + attempt;
		}), Branch.of("right", String.class, () -> {
			int attempt = this.probe.hit(id, "right");
			if (attempt == 1) {
				this.probe.meet(id, 2);
			}
			if (attempt <= event.data().failTimes()) {
				throw new IllegalStateException("Simulated failure of branch right");
			}
			return "right-" + attempt;
		})));
		step.run("after", () -> this.probe.hit(id, "after"));
		return String.join(",", results);
	}

	@EventHandler(id = "misuse", event = "test/misuse", retries = 0)
	void misuse(Event<Job> event, Step step) throws InterruptedException {
		if (event.data().key().equals("foreign")) {
			AtomicReference<RuntimeException> failure = new AtomicReference<>();
			Thread thread = new Thread(() -> {
				try {
					step.run("foreign", () -> this.probe.hit(event.id(), "foreign"));
				}
				catch (RuntimeException ex) {
					failure.set(ex);
				}
			});
			thread.start();
			thread.join();
			if (failure.get() != null) {
				throw failure.get();
			}
			return;
		}
		step.parallel("outer",
				List.of(Branch.of("inner", () -> step.run("nested", () -> this.probe.hit(event.id(), "nested")))));
	}

	@EventHandler(id = "await-approval", event = "test/review-requested")
	String awaitApproval(Event<Review> event, Step step) {
		String id = event.id();
		step.run("before", () -> this.probe.hit(id, "before"));
		Optional<Event<Approval>> approval = step.waitForEvent("approval", "test/approved", Approval.class,
				Duration.ofMillis(event.data().timeoutMillis()), "data.documentId");
		step.run("after", () -> this.probe.hit(id, "after"));
		return approval.map((approved) -> "approved by " + approved.data().approver()).orElse("timed out");
	}

	@EventHandler(id = "line-items", event = "test/line-items", retries = 2)
	String lineItems(Event<Job> event, Step step) {
		String id = event.id();
		List<LineItem> items = step.run("load", new ParameterizedTypeReference<List<LineItem>>() {
		}, () -> {
			this.probe.hit(id, "load");
			return List.of(new LineItem("apple", 3), new LineItem("pear", 2));
		});
		if (this.probe.hit(id, "handler") == 1) {
			throw new IllegalStateException("Simulated failure after the load: the run resumes from its checkpoint");
		}
		// Summed through the record accessors: a LinkedHashMap element would fail here.
		int total = 0;
		for (LineItem item : items) {
			total += item.quantity();
		}
		return items.get(0).getClass().getSimpleName() + " x" + items.size() + " = " + total;
	}

	/**
	 * An element of a stored generic step result.
	 *
	 * @param name the item name
	 * @param quantity how many
	 */
	record LineItem(String name, int quantity) {

	}

	/**
	 * Waits in step "slow" at the probe's gate named by the job's key, so that a test can
	 * cancel the run while a step is in flight.
	 */
	@EventHandler(id = "cancellable", event = "test/cancellable", retries = 0)
	String cancellable(Event<Job> event, Step step) {
		String key = event.data().key();
		step.run("first", () -> this.probe.hit(key, "first"));
		String slow = step.run("slow", String.class, () -> {
			this.probe.hit(key, "slow");
			try {
				this.probe.pass(key);
			}
			catch (InterruptedException ex) {
				this.probe.hit(key, "interrupted");
				throw ex;
			}
			return "slow done";
		});
		step.run("after", () -> this.probe.hit(key, "after"));
		return slow;
	}

	@EventHandler(id = "cancellable-fan", event = "test/cancellable-fan", retries = 0)
	List<String> cancellableFan(Event<Job> event, Step step) {
		String key = event.data().key();
		List<String> results = step.parallel("wait",
				List.of(Branch.of("left", String.class, () -> waitAtGate(key, "left")),
						Branch.of("right", String.class, () -> waitAtGate(key, "right"))));
		step.run("after", () -> this.probe.hit(key, "after"));
		return results;
	}

	private String waitAtGate(String key, String branch) throws InterruptedException {
		this.probe.hit(key, branch);
		try {
			this.probe.pass(key);
		}
		catch (InterruptedException ex) {
			this.probe.hit(key, "interrupted");
			throw ex;
		}
		return branch + " passed";
	}

	@EventHandler(id = "invoke-cancellable", event = "test/invoke-cancellable", retries = 0)
	String invokeCancellable(Event<Job> event, Step step) {
		return step.invoke("child", "cancellable", event.data(), String.class);
	}

}
