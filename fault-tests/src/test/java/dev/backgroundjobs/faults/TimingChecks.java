package dev.backgroundjobs.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.backgroundjobs.faults.Snapshot.Execution;
import dev.backgroundjobs.faults.Snapshot.Run;

/**
 * Checks the time-driven work of the fault app: cron ticks not run before their time,
 * sleeps not woken early, and waits resolved by an approval sent after they began and
 * surely before they timed out.
 */
final class TimingChecks {

	/**
	 * The sleep of the fault app's {@code sleeper} and {@code approver}.
	 */
	static final Duration SLEEP = Duration.ofSeconds(2);

	/**
	 * Time allowed for the waiter's first checkpoint and wait row to commit after its
	 * first step body ran. The approver sends about {@link #SLEEP} after the event, so
	 * under load an approval 2 s after that step may well precede the wait; only one sent
	 * later than this margin surely came after the wait began.
	 */
	private static final Duration WAIT_START_MARGIN = Duration.ofSeconds(5);

	/**
	 * The timeout of the fault app's {@code waiter} ({@code faults.wait-timeout}). An
	 * approval sent later than this after the wait began may rightly miss it: an outage
	 * that delays the approver can make it so.
	 */
	static final Duration WAIT_TIMEOUT = Duration.ofSeconds(30);

	private TimingChecks() {
	}

	static void check(Snapshot snapshot, Verdict.Builder verdict) {
		Map<String, List<Run>> reviews = snapshot.runs()
			.stream()
			.filter((run) -> run.functionId().equals("waiter") || run.functionId().equals("approver"))
			.collect(Collectors.groupingBy(Run::eventId));
		for (Run run : snapshot.runs()) {
			if (run.functionId().equals("ticker") && run.createdAt().isBefore(run.eventTime().minusSeconds(1))) {
				verdict.timing("tick " + run.eventTime() + " ran early, at " + run.createdAt());
			}
			if (run.functionId().equals("sleeper")) {
				Optional<Instant> before = first(snapshot, run, "before");
				Optional<Instant> after = first(snapshot, run, "after");
				if (before.isPresent() && after.isPresent()
						&& after.get().isBefore(before.get().plus(SLEEP).minusMillis(500))) {
					verdict.timing("run " + run.runId() + " woke " + Duration.between(before.get(), after.get())
							+ " after it slept for " + SLEEP);
				}
			}
			if (run.functionId().equals("waiter") && "\"timed out\"".equals(run.output())) {
				missedApproval(snapshot, run, reviews.getOrDefault(run.eventId(), List.of()), verdict);
			}
		}
	}

	private static void missedApproval(Snapshot snapshot, Run waiter, List<Run> runs, Verdict.Builder verdict) {
		Optional<Instant> waitBegan = first(snapshot, waiter, "before");
		Optional<Instant> sending = runs.stream()
			.filter((run) -> run.functionId().equals("approver"))
			.findFirst()
			.flatMap((approver) -> first(snapshot, approver, "sending"));
		if (waitBegan.isPresent() && sending.isPresent()
				&& sending.get().isAfter(waitBegan.get().plus(WAIT_START_MARGIN))
				&& sending.get().isBefore(waitBegan.get().plus(WAIT_TIMEOUT))) {
			verdict.timing("run " + waiter.runId() + " timed out although its approval was sent "
					+ Duration.between(waitBegan.get(), sending.get()) + " after its wait began");
		}
	}

	private static Optional<Instant> first(Snapshot snapshot, Run run, String step) {
		return snapshot.executions()
			.getOrDefault(run.runId(), List.of())
			.stream()
			.filter((execution) -> execution.stepId().equals(step))
			.map(Execution::at)
			.min(Instant::compareTo);
	}

}
