package dev.backgroundjobs.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.backgroundjobs.faults.Snapshot.Execution;
import dev.backgroundjobs.faults.Snapshot.Run;

/**
 * Checks the invariants of issue 9 after a scenario, from the database and the broker:
 * every accepted event has exactly one run per subscribed function, COMPLETED (or FAILED
 * with a dead letter and a dead-letter topic record where the scenario makes it fail); no
 * step body ran more than once, except one extra run per crash of the instance that ran
 * it; no run is left unfinished once settled; cron ticks, sleeps and waits go off at the
 * right time ({@link TimingChecks}).
 */
final class InvariantChecker {

	/**
	 * The functions each event name triggers in the fault app.
	 */
	static final Map<String, List<String>> SUBSCRIPTIONS = Map.of("fault/order", List.of("three-steps"), "fault/nap",
			List.of("sleeper"), "fault/review", List.of("waiter", "approver"), "fault/call", List.of("caller"),
			"fault/fragile", List.of("fragile"), "fault/limited", List.of(SlotChecks.FUNCTION));

	private static final Duration GRACE = Duration.ofSeconds(10);

	private final Cluster cluster;

	private final Instant since;

	private Snapshot last;

	InvariantChecker(Cluster cluster, Instant since) {
		this.cluster = cluster;
		this.since = since;
	}

	/**
	 * Waits until every accepted event's runs have finished and nothing is stuck, or the
	 * timeout passed, then checks.
	 * @param accepted the accepted events
	 * @param outcomes how the runs of some events must end, by event id; others must
	 * complete
	 * @param timeout how long to wait for the system to settle
	 * @return the verdict
	 */
	Verdict check(Collection<LoadDriver.Accepted> accepted, Map<String, Outcome> outcomes, Duration timeout) {
		long deadline = System.currentTimeMillis() + timeout.toMillis();
		Snapshot snapshot = Snapshot.take(this.cluster, this.since, false);
		while (!settled(snapshot, accepted, outcomes) && System.currentTimeMillis() < deadline) {
			sleep(2000);
			snapshot = Snapshot.take(this.cluster, this.since, false);
		}
		snapshot = Snapshot.take(this.cluster, this.since, true);
		this.last = snapshot;
		return verdict(snapshot, accepted, outcomes);
	}

	/**
	 * Returns the snapshot the last check was made on.
	 * @return the snapshot
	 */
	Snapshot lastSnapshot() {
		return this.last;
	}

	private boolean settled(Snapshot snapshot, Collection<LoadDriver.Accepted> accepted,
			Map<String, Outcome> outcomes) {
		Map<String, List<Run>> byEvent = byEvent(snapshot);
		for (LoadDriver.Accepted event : accepted) {
			List<Run> runs = byEvent.getOrDefault(event.eventId(), List.of());
			if (outcomes.get(event.eventId()) == Outcome.COMPLETED_OR_DEAD_LETTERED && runs.isEmpty()
					&& snapshot.deadLetterRecordKeys().contains(event.eventId())) {
				continue;
			}
			if (runs.size() < SUBSCRIPTIONS.get(event.name()).size() || !runs.stream().allMatch(Run::isTerminal)) {
				return false;
			}
		}
		return snapshot.runs().stream().noneMatch((run) -> isStuck(run, snapshot.now()));
	}

	private Verdict verdict(Snapshot snapshot, Collection<LoadDriver.Accepted> accepted,
			Map<String, Outcome> outcomes) {
		Verdict.Builder verdict = new Verdict.Builder(accepted.size());
		Map<String, List<Run>> byEvent = byEvent(snapshot);
		Set<String> acceptedIds = new HashSet<>();
		for (LoadDriver.Accepted event : accepted) {
			acceptedIds.add(event.eventId());
			List<Run> runs = byEvent.getOrDefault(event.eventId(), List.of());
			Outcome outcome = outcomes.getOrDefault(event.eventId(), Outcome.COMPLETED);
			if (outcome == Outcome.COMPLETED_OR_DEAD_LETTERED && runs.isEmpty()) {
				checkRecordDeadLetter(event.eventId(), snapshot, verdict);
				continue;
			}
			for (String function : SUBSCRIPTIONS.get(event.name())) {
				List<Run> ofFunction = runs.stream().filter((run) -> run.functionId().equals(function)).toList();
				if (ofFunction.size() != 1) {
					verdict.lost("event " + event.eventId() + " (" + event.name() + ") has " + ofFunction.size()
							+ " runs of " + function);
					continue;
				}
				checkOutcome(ofFunction.get(0), outcome == Outcome.FAILED, snapshot, verdict);
			}
		}
		for (Run run : snapshot.runs()) {
			if (isStuck(run, snapshot.now())) {
				verdict.stuck("run " + run.runId() + " of " + run.functionId() + " is " + run.status()
						+ ((run.wakeAt() != null) ? " (due " + run.wakeAt() + ")" : ""));
			}
			else if (run.status().equals("FAILED") && !acceptedIds.contains(run.eventId())) {
				verdict.lost("run " + run.runId() + " of " + run.functionId() + " failed");
			}
		}
		TimingChecks.check(snapshot, verdict);
		checkExecutions(snapshot, verdict);
		return verdict.build();
	}

	private void checkRecordDeadLetter(String eventId, Snapshot snapshot, Verdict.Builder verdict) {
		if (!snapshot.deadLetterRecordKeys().contains(eventId)) {
			verdict.lost("event " + eventId + " has neither a run nor a dead letter");
		}
		else if (!snapshot.deadLetterTopicKeys().contains(eventId)) {
			verdict.lost("dead-lettered event " + eventId + " has no record on " + "the dead-letter topic");
		}
	}

	private void checkOutcome(Run run, boolean mustFail, Snapshot snapshot, Verdict.Builder verdict) {
		if (!run.isTerminal()) {
			if (!isStuck(run, snapshot.now())) {
				verdict.stuck("run " + run.runId() + " of " + run.functionId() + " is still " + run.status()
						+ ((run.wakeAt() != null) ? " (due " + run.wakeAt() + ")" : ""));
			}
			return;
		}
		String expected = mustFail ? "FAILED" : "COMPLETED";
		if (!run.status().equals(expected)) {
			verdict
				.lost("run " + run.runId() + " of " + run.functionId() + " is " + run.status() + ", not " + expected);
		}
		else if (mustFail && !snapshot.deadLetterRuns().contains(run.runId())) {
			verdict.lost("failed run " + run.runId() + " has no dead letter");
		}
		else if (mustFail && !snapshot.deadLetterTopicKeys().contains(run.runId())) {
			verdict.lost("failed run " + run.runId() + " has no record on " + "the dead-letter topic");
		}
	}

	private void checkExecutions(Snapshot snapshot, Verdict.Builder verdict) {
		Set<String> crashed = this.cluster.crashed();
		for (List<Execution> ofRun : snapshot.executions().values()) {
			Map<String, List<Execution>> byStep = new HashMap<>();
			ofRun.forEach((execution) -> byStep.computeIfAbsent(execution.stepId(), (id) -> new ArrayList<>())
				.add(execution));
			byStep.forEach((step, executions) -> {
				long allowed = executions.subList(0, executions.size() - 1)
					.stream()
					.filter((execution) -> crashed.contains(execution.instance()))
					.count();
				long beyond = executions.size() - 1 - allowed;
				if (beyond > 0) {
					verdict.duplicate(beyond,
							"step '" + step + "' of run " + executions.get(0).runId() + " ran " + executions.size()
									+ " times, on " + executions.stream().map(Execution::instance).toList());
				}
			});
		}
	}

	private static boolean isStuck(Run run, Instant now) {
		return switch (run.status()) {
			case "QUEUED", "RUNNING" ->
				!(run.functionId().equals("ticker") && run.createdAt().isAfter(now.minus(GRACE)));
			case "SLEEPING", "WAITING" -> run.wakeAt() == null || run.wakeAt().isBefore(now.minus(GRACE));
			default -> false;
		};
	}

	private static Map<String, List<Run>> byEvent(Snapshot snapshot) {
		Map<String, List<Run>> byEvent = new HashMap<>();
		snapshot.runs().forEach((run) -> byEvent.computeIfAbsent(run.eventId(), (id) -> new ArrayList<>()).add(run));
		return byEvent;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
