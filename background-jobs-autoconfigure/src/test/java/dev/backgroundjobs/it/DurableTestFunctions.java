package dev.backgroundjobs.it;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.CancelOn;
import dev.backgroundjobs.Debounce;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.Idempotency;
import dev.backgroundjobs.EventHandler.Retry;
import dev.backgroundjobs.NonRetryableException;
import dev.backgroundjobs.RateLimit;
import dev.backgroundjobs.RetryAfterException;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.Singleton;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.Throttle;
import dev.backgroundjobs.Timeouts;

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

	@EventHandler(id = "charge-once", event = "test/charge",
			idempotency = @Idempotency(key = "data.key", window = "1h"))
	String chargeOnce(Event<Job> event, Step step) {
		step.run("charge", () -> this.probe.hit(event.data().key(), "charge"));
		return "charged";
	}

	@EventHandler(id = "three-per-key", event = "test/three-per-key",
			rateLimit = @RateLimit(limit = 100, period = "1h", key = "data.key"))
	String threePerKey(Event<Job> event, Step step) {
		step.run("limited", () -> this.probe.hit(event.data().key(), "limited"));
		return "limited";
	}

	@EventHandler(id = "throttled", event = "test/throttled",
			throttle = @Throttle(limit = 1, period = "1m", burst = 1, key = "data.key"))
	String throttled(Event<Job> event, Step step) {
		step.run("throttled", () -> {
			this.probe.started(event.data().key());
			this.probe.hit(event.id(), "throttled");
		});
		return "throttled";
	}

	@EventHandler(id = "debounced-burst", event = "test/debounced-burst",
			debounce = @Debounce(period = "1m", key = "data.key"))
	String debouncedBurst(Event<Job> event, Step step) {
		step.run("debounced", () -> this.probe.hit(event.data().key(), "debounced"));
		return event.id();
	}

	@EventHandler(id = "debounced-stream", event = "test/debounced-stream",
			debounce = @Debounce(period = "1s", key = "data.key", timeout = "2s"))
	String debouncedStream(Event<Job> event, Step step) {
		step.run("debounced", () -> this.probe.hit(event.data().key(), "debounced"));
		return event.id();
	}

	/**
	 * Sleeps for the event's {@code sleepMillis}, then waits for a
	 * {@code test/singleton-released} event with its key.
	 */
	@EventHandler(id = "singleton-skip", event = "test/singleton-skip",
			singleton = @Singleton(key = "data.key", mode = Singleton.Mode.SKIP))
	String singletonSkip(Event<Job> event, Step step) {
		String key = event.data().key();
		step.run("start", () -> this.probe.hit(key, "started"));
		step.sleep("nap", Duration.ofMillis(event.data().sleepMillis()));
		step.waitForEvent("release", "test/singleton-released", Job.class, Duration.ofMinutes(10), "data.key");
		step.run("end", () -> this.probe.hit(key, "ended"));
		return "released";
	}

	/**
	 * A step that runs until the test lets its event go, then another.
	 */
	@EventHandler(id = "singleton-cancel", event = "test/singleton-cancel",
			singleton = @Singleton(key = "data.key", mode = Singleton.Mode.CANCEL))
	String singletonCancel(Event<Job> event, Step step) {
		String id = event.id();
		step.run("work", () -> {
			this.probe.hit(id, "work");
			long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
			while (this.probe.count(id, "go") == 0 && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
		});
		step.run("after", () -> this.probe.hit(id, "after"));
		return "worked";
	}

	@EventHandler(id = "cancellable-nap", event = "test/cancellable-nap",
			cancelOn = @CancelOn(event = "test/nap-cancelled", match = "data.key"))
	String cancellableNap(Event<Job> event, Step step) {
		String key = event.data().key();
		step.run("before", () -> this.probe.hit(key, "before"));
		step.sleep("sleep", Duration.ofMillis(event.data().sleepMillis()));
		step.run("after", () -> this.probe.hit(key, "after"));
		return "rested";
	}

	@EventHandler(id = "cancellable-work", event = "test/cancellable-work",
			cancelOn = @CancelOn(event = "test/work-cancelled", match = "data.key"))
	String cancellableWork(Event<Job> event, Step step) {
		String key = event.data().key();
		step.run("work", () -> {
			this.probe.hit(key, "work");
			// Runs until the test lets it finish, so that the run is cancelled mid-step.
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (this.probe.count(key, "go") == 0 && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
		});
		step.run("after", () -> this.probe.hit(key, "after"));
		return "worked";
	}

	@EventHandler(id = "await-approval", event = "test/review-requested",
			cancelOn = @CancelOn(event = "test/review-withdrawn",
					match = "event.data.documentId == async.data.document"))
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
	 * A step that fails with the exception the event's key names, every time.
	 */
	@EventHandler(id = "refusing", event = "test/refusing", retries = 4,
			retry = @Retry(noRetryOn = IllegalArgumentException.class))
	void refusing(Event<Job> event, Step step) {
		String id = event.id();
		step.run("refuse", () -> {
			this.probe.hit(id, "refuse");
			throw failure(event.data().key());
		});
	}

	/**
	 * A handler that refuses outside its steps, after a completed step.
	 */
	@EventHandler(id = "refusing-handler", event = "test/refusing-handler", retries = 4)
	void refusingHandler(Event<Job> event, Step step) {
		String id = event.id();
		step.run("before", () -> this.probe.hit(id, "before"));
		this.probe.hit(id, "handler");
		throw new NonRetryableException("Simulated refusal outside any step");
	}

	/**
	 * A step whose own policy gives it fewer attempts than the function's.
	 */
	@EventHandler(id = "step-policy", event = "test/step-policy", retries = 5)
	void stepPolicy(Event<Job> event, Step step) {
		String id = event.id();
		step.withRetry(RetryPolicy.attempts(2)).run("twice", () -> {
			this.probe.hit(id, "twice");
			throw new IllegalStateException("Simulated failure of a step allowed two attempts");
		});
	}

	/**
	 * A step rate-limited once, with a function backoff far from the delay it is told.
	 */
	@EventHandler(id = "rate-limited", event = "test/rate-limited",
			retry = @Retry(attempts = 3, initialInterval = "1h", maxInterval = "2h", jitter = 0.5))
	String rateLimited(Event<Job> event, Step step) {
		String id = event.id();
		return step.run("call", String.class, () -> {
			if (this.probe.hit(id, "call") == 1) {
				throw new RetryAfterException(Duration.ofMillis(event.data().sleepMillis()), "Simulated HTTP 429");
			}
			return "called";
		});
	}

	/**
	 * A step retried as the resilience4j retry instance "test-remote" says.
	 */
	@EventHandler(id = "resilience4j", event = "test/resilience4j", retry = @Retry(config = "test-remote"))
	void resilience4j(Event<Job> event, Step step) {
		String id = event.id();
		step.run("remote", () -> {
			this.probe.hit(id, "remote");
			throw failure(event.data().key());
		});
	}

	private static Exception failure(String type) {
		return switch (type) {
			case "non-retryable" -> new NonRetryableException("Simulated refusal for good");
			case "illegal-argument" -> new IllegalArgumentException("Simulated invalid input");
			case "io" -> new IOException("Simulated connection reset");
			default -> new IllegalStateException("Simulated failure");
		};
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

	/**
	 * Runs many short steps, after an optional durable sleep: longer in all than the
	 * finish timeout the tests set by property over the annotation's hour.
	 */
	@EventHandler(id = "deadline", event = "test/deadline", retries = 0, timeouts = @Timeouts(finish = "1h"))
	String deadline(Event<Job> event, Step step) {
		String key = event.data().key();
		step.run("first", () -> this.probe.hit(key, "first"));
		if (event.data().sleepMillis() > 0) {
			step.sleep("nap", Duration.ofMillis(event.data().sleepMillis()));
		}
		for (int i = 0; i < 300; i++) {
			step.run("tick", () -> {
				this.probe.hit(key, "tick");
				Thread.sleep(100);
			});
		}
		return "finished";
	}

	@EventHandler(id = "start-limited", event = "test/start-limited", timeouts = @Timeouts(start = "1s"))
	void startLimited(Event<Job> event, Step step) {
		step.run("only", () -> this.probe.hit(event.data().key(), "only"));
	}

}
