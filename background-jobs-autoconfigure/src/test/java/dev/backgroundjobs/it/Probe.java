package dev.backgroundjobs.it;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records what test handlers did, shared by every application context of a test.
 */
final class Probe {

	private final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();

	private final Map<String, Set<String>> instancesByFunction = new ConcurrentHashMap<>();

	private final Set<String> fixed = ConcurrentHashMap.newKeySet();

	private final List<String> completedRuns = new CopyOnWriteArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	private final Map<String, CountDownLatch> meetings = new ConcurrentHashMap<>();

	private volatile String blockOn = "";

	private final CountDownLatch blocked = new CountDownLatch(1);

	private final Map<String, CountDownLatch> arrivals = new ConcurrentHashMap<>();

	private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

	private final Map<String, List<Long>> starts = new ConcurrentHashMap<>();

	int hit(String eventId, String stepId) {
		return this.executions.computeIfAbsent(eventId + "/" + stepId, (key) -> new AtomicInteger()).incrementAndGet();
	}

	/**
	 * Records that a run with a key started now, in {@link System#nanoTime()}: every
	 * instance of a test runs in this JVM, so the times compare across instances.
	 */
	void started(String key) {
		this.starts.computeIfAbsent(key, (k) -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
	}

	List<Long> starts(String key) {
		return List.copyOf(this.starts.getOrDefault(key, List.of()));
	}

	int count(String eventId, String stepId) {
		AtomicInteger count = this.executions.get(eventId + "/" + stepId);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Waits until {@code parties} callers with the same key have arrived; fails if they
	 * do not all arrive while this one waits, so it only passes for callers running at
	 * once.
	 */
	void meet(String key, int parties) throws InterruptedException {
		CountDownLatch meeting = this.meetings.computeIfAbsent(key, (ignored) -> new CountDownLatch(parties));
		meeting.countDown();
		if (!meeting.await(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("Only " + (parties - meeting.getCount()) + " of " + parties
					+ " callers of '" + key + "' were in flight at once");
		}
	}

	Map<String, AtomicInteger> executions() {
		return this.executions;
	}

	void ranOn(String functionId, String instanceId) {
		this.instancesByFunction.computeIfAbsent(functionId, (key) -> ConcurrentHashMap.newKeySet()).add(instanceId);
	}

	Set<String> instancesThatRan(String functionId) {
		return this.instancesByFunction.getOrDefault(functionId, Set.of());
	}

	void fix(String eventId) {
		this.fixed.add(eventId);
	}

	boolean isFixed(String eventId) {
		return this.fixed.contains(eventId);
	}

	void completed(String eventId) {
		this.completedRuns.add(eventId);
	}

	List<String> completedRuns() {
		return this.completedRuns;
	}

	void blockOn(String instanceId) {
		this.blockOn = instanceId;
	}

	/**
	 * Blocks the caller when it runs on the instance chosen by {@link #blockOn}, until
	 * {@link #release()}.
	 */
	void maybeBlock(String instanceId) throws InterruptedException {
		if (this.blockOn.equals(instanceId)) {
			this.blocked.countDown();
			this.release.await();
		}
	}

	void awaitBlocked() throws InterruptedException {
		this.blocked.await();
	}

	void release() {
		this.release.countDown();
		this.gates.values().forEach(CountDownLatch::countDown);
	}

	/**
	 * Waits at the gate named {@code key} until a test {@link #open opens} it (or the
	 * test ends).
	 */
	void pass(String key) throws InterruptedException {
		latch(this.arrivals, key).countDown();
		latch(this.gates, key).await();
	}

	boolean awaitArrival(String key) throws InterruptedException {
		return latch(this.arrivals, key).await(60, TimeUnit.SECONDS);
	}

	void open(String key) {
		latch(this.gates, key).countDown();
	}

	private static CountDownLatch latch(Map<String, CountDownLatch> latches, String key) {
		return latches.computeIfAbsent(key, (k) -> new CountDownLatch(1));
	}

}
