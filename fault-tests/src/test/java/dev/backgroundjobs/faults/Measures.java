package dev.backgroundjobs.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import dev.backgroundjobs.faults.Snapshot.Execution;
import dev.backgroundjobs.faults.Snapshot.Run;

/**
 * Throughput, pickup latency and send latency of a scenario.
 */
final class Measures {

	private Measures() {
	}

	/**
	 * Returns the runs of a function finished per second, from the first created to the
	 * last finished.
	 * @param snapshot the snapshot
	 * @param functionId the function
	 * @return the runs per second
	 */
	static double runsPerSecond(Snapshot snapshot, String functionId) {
		List<Run> runs = snapshot.runs().stream().filter((run) -> run.functionId().equals(functionId)).toList();
		Instant first = runs.stream().map(Run::createdAt).min(Instant::compareTo).orElse(null);
		Instant last = runs.stream().map(Run::finishedAt).filter(Objects::nonNull).max(Instant::compareTo).orElse(null);
		if (first == null || last == null) {
			return 0;
		}
		return runs.size() * 1000.0 / Math.max(1, Duration.between(first, last).toMillis());
	}

	/**
	 * Returns, for each run of a function, the time from its event to its first step.
	 * @param snapshot the snapshot
	 * @param functionId the function
	 * @param events the events to consider, or all if {@code null}
	 * @return the pickup latencies in milliseconds
	 */
	static List<Long> pickupMillis(Snapshot snapshot, String functionId, Collection<String> events) {
		List<Long> pickups = new ArrayList<>();
		for (Run run : snapshot.runs()) {
			if (!run.functionId().equals(functionId) || (events != null && !events.contains(run.eventId()))) {
				continue;
			}
			snapshot.executions()
				.getOrDefault(run.runId(), List.of())
				.stream()
				.map(Execution::at)
				.min(Instant::compareTo)
				.ifPresent((first) -> pickups.add(Duration.between(run.eventTime(), first).toMillis()));
		}
		return pickups;
	}

	/**
	 * Describes a distribution as {@code p50/p99/max}.
	 * @param values the values
	 * @param unit the unit to print
	 * @return the description
	 */
	static String percentiles(List<Long> values, String unit) {
		if (values.isEmpty()) {
			return "n/a";
		}
		List<Long> sorted = new ArrayList<>(values);
		Collections.sort(sorted);
		return "p50 " + at(sorted, 0.5) + unit + ", p99 " + at(sorted, 0.99) + unit + ", max "
				+ sorted.get(sorted.size() - 1) + unit;
	}

	static long max(List<Long> values) {
		return values.stream().mapToLong(Long::longValue).max().orElse(0);
	}

	private static long at(List<Long> sorted, double quantile) {
		return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(quantile * sorted.size())));
	}

}
