package dev.backgroundjobs.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.backgroundjobs.faults.Snapshot.Execution;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Concurrency slots of the fault app's {@code limited} function ({@link #LIMIT} runs per
 * key at once): who holds them, how many step bodies of a key overlapped, and how long
 * the waiting runs of a key the killed instance held took to start again.
 */
final class SlotChecks {

	/**
	 * The function with a concurrency limit.
	 */
	static final String FUNCTION = "limited";

	/**
	 * Its limit per key ({@code @Concurrency(limit = 2)}).
	 */
	static final int LIMIT = 2;

	private SlotChecks() {
	}

	/**
	 * Returns the slots each instance holds now: its runs of the function that are QUEUED
	 * or RUNNING under its lease, by concurrency key.
	 * @param cluster the cluster
	 * @return the held runs' keys by instance, then run count by key
	 */
	static Map<String, Map<String, Long>> held(Cluster cluster) {
		Map<String, Map<String, Long>> held = new HashMap<>();
		JdbcClient.create(cluster.direct())
			.sql("""
					SELECT lease_owner, concurrency_key, count(*) FROM bj_runs
					WHERE function_id = ? AND status IN ('QUEUED', 'RUNNING') AND lease_owner IS NOT NULL
					GROUP BY lease_owner, concurrency_key""")
			.param(FUNCTION)
			.query((rs, row) -> held.computeIfAbsent(rs.getString(1), (owner) -> new HashMap<>())
				.put(rs.getString(2), rs.getLong(3)))
			.list();
		return held;
	}

	/**
	 * Picks the instance to kill: the one holding every slot of the most keys, then the
	 * most slots.
	 * @param held the slots held, from {@link #held}
	 * @return the instance, if any holds a slot
	 */
	static Optional<String> victim(Map<String, Map<String, Long>> held) {
		Comparator<Map.Entry<String, Map<String, Long>>> byWholeKeys = Comparator
			.comparingLong((entry) -> wholeKeys(entry.getValue()).size());
		return held.entrySet()
			.stream()
			.max(byWholeKeys
				.thenComparingLong((entry) -> entry.getValue().values().stream().mapToLong(Long::longValue).sum()))
			.map(Map.Entry::getKey);
	}

	/**
	 * Returns the keys of which an instance holds every slot.
	 * @param slots its runs by key
	 * @return the keys
	 */
	static Set<String> wholeKeys(Map<String, Long> slots) {
		return slots.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() >= LIMIT)
			.map(Map.Entry::getKey)
			.collect(Collectors.toSet());
	}

	/**
	 * Returns the runs of the function waiting DELAYED now, by concurrency key.
	 * @param cluster the cluster
	 * @return run ids by key
	 */
	static Map<String, List<String>> waiting(Cluster cluster) {
		Map<String, List<String>> waiting = new HashMap<>();
		JdbcClient.create(cluster.direct())
			.sql("SELECT run_id, concurrency_key FROM bj_runs WHERE function_id = ? AND status = 'DELAYED'")
			.param(FUNCTION)
			.query((rs, row) -> waiting.computeIfAbsent(rs.getString(2), (key) -> new ArrayList<>())
				.add(rs.getString(1)))
			.list();
		return waiting;
	}

	/**
	 * Returns the concurrency key of every run of the function since a time.
	 * @param cluster the cluster
	 * @param since the start of the scenario, in database time
	 * @return keys by run id
	 */
	static Map<String, String> keys(Cluster cluster, Instant since) {
		Map<String, String> keys = new HashMap<>();
		JdbcClient.create(cluster.direct())
			.sql("SELECT run_id, concurrency_key FROM bj_runs WHERE function_id = ? AND created_at >= ?")
			.param(FUNCTION)
			.param(cluster.database().bind(since))
			.query((rs, row) -> keys.put(rs.getString(1), rs.getString(2)))
			.list();
		return keys;
	}

	/**
	 * Returns, per key, the most step bodies of its runs that ran at once. A body runs
	 * from its {@code work} record to the next {@code work-done} of the same run on the
	 * same instance; one without an end ran on an instance that was killed, and ends at
	 * the kill (a killed process runs nothing). Without a kill it counts as running to
	 * the end of the snapshot.
	 * @param snapshot the snapshot
	 * @param keys keys by run id, from {@link #keys}
	 * @param kills when each killed instance was killed, in database time
	 * @return the most at once, by key
	 */
	static Map<String, Integer> mostAtOnce(Snapshot snapshot, Map<String, String> keys, Map<String, Instant> kills) {
		Map<String, List<Instant[]>> bodies = new HashMap<>();
		keys.forEach((runId, key) -> {
			List<Execution> executions = snapshot.executions().getOrDefault(runId, List.of());
			for (int i = 0; i < executions.size(); i++) {
				Execution start = executions.get(i);
				if (!start.stepId().equals("work")) {
					continue;
				}
				Instant end = executions.subList(i + 1, executions.size())
					.stream()
					.filter((later) -> later.stepId().equals("work-done") && later.instance().equals(start.instance()))
					.map(Execution::at)
					.findFirst()
					.orElse(kills.getOrDefault(start.instance(), snapshot.now()));
				bodies.computeIfAbsent(key, (k) -> new ArrayList<>())
					.add(new Instant[] { start.at(), end.isBefore(start.at()) ? start.at() : end });
			}
		});
		Map<String, Integer> most = new HashMap<>();
		bodies.forEach((key, intervals) -> most.put(key, mostOverlapping(intervals)));
		return most;
	}

	private static int mostOverlapping(List<Instant[]> intervals) {
		// Ends sort before starts at the same instant: a body that ended when the next
		// began did not overlap it.
		List<Map.Entry<Instant, Integer>> edges = new ArrayList<>();
		intervals.forEach((interval) -> {
			edges.add(Map.entry(interval[0], 1));
			edges.add(Map.entry(interval[1], -1));
		});
		edges.sort(Map.Entry.<Instant, Integer>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
		int now = 0;
		int most = 0;
		for (Map.Entry<Instant, Integer> edge : edges) {
			now += edge.getValue();
			most = Math.max(most, now);
		}
		return most;
	}

	/**
	 * Returns how long after a kill the first of the runs that waited behind it started
	 * its step body.
	 * @param snapshot the snapshot
	 * @param killedAt when the instance was killed, in database time
	 * @param waitingRuns the runs of the keys it held whole that waited DELAYED at the
	 * kill
	 * @return the time, if one of them started
	 */
	static Optional<Duration> firstStartAfter(Snapshot snapshot, Instant killedAt, List<String> waitingRuns) {
		return waitingRuns.stream()
			.flatMap((runId) -> snapshot.executions().getOrDefault(runId, List.of()).stream())
			.filter((execution) -> execution.stepId().equals("work") && execution.at().isAfter(killedAt))
			.map(Execution::at)
			.min(Instant::compareTo)
			.map((first) -> Duration.between(killedAt, first));
	}

}
