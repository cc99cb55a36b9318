package dev.backgroundjobs.it;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Side effects of concurrency-limited test functions, shared by the instances of a
 * {@link TestApplication.Cluster}: how many steps of each key run at this moment, the
 * most that ever ran at once, and the order in which runs started. Thread-safe.
 */
final class Occupancy {

	private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();

	private final Map<String, List<String>> starts = new ConcurrentHashMap<>();

	/**
	 * Counts a step of a key in for as long as {@code millis}, then out again.
	 */
	void occupy(String key, long millis) throws InterruptedException {
		int now = this.running.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		this.most.computeIfAbsent(key, (k) -> new AtomicInteger()).accumulateAndGet(now, Math::max);
		try {
			Thread.sleep(millis);
		}
		finally {
			this.running.get(key).decrementAndGet();
		}
	}

	int most(String key) {
		AtomicInteger most = this.most.get(key);
		return (most != null) ? most.get() : 0;
	}

	void started(String key, String label) {
		this.starts.computeIfAbsent(key, (k) -> new CopyOnWriteArrayList<>()).add(label);
	}

	List<String> starts(String key) {
		return List.copyOf(this.starts.getOrDefault(key, List.of()));
	}

}
