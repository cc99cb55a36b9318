package dev.backgroundjobs.benchmarks;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the benchmark handlers of every system report: how many have finished and, for the
 * pickup workload, the time from publishing to the handler starting.
 */
public final class Probe {

	private final AtomicLong finished = new AtomicLong();

	private final AtomicInteger pickups = new AtomicInteger();

	private volatile AtomicLongArray pickupNanos = new AtomicLongArray(0);

	/**
	 * Clears the counters before a workload.
	 * @param expectedPickups how many pickup latencies the workload records
	 */
	public void reset(int expectedPickups) {
		this.finished.set(0);
		this.pickups.set(0);
		this.pickupNanos = new AtomicLongArray(expectedPickups);
	}

	/**
	 * Records that a handler started for an event published at the given time.
	 * @param sentNanos {@link System#nanoTime()} when publishing began
	 */
	public void started(long sentNanos) {
		long latency = System.nanoTime() - sentNanos;
		int index = this.pickups.getAndIncrement();
		AtomicLongArray latencies = this.pickupNanos;
		if (index < latencies.length()) {
			latencies.set(index, latency);
		}
	}

	/**
	 * Records that a handler finished.
	 */
	public void finished() {
		this.finished.incrementAndGet();
	}

	/**
	 * Returns how many handlers finished since the last reset.
	 * @return the count
	 */
	public long finishedCount() {
		return this.finished.get();
	}

	/**
	 * Returns the recorded pickup latencies.
	 * @return the latencies in nanoseconds
	 */
	public long[] pickupLatencies() {
		AtomicLongArray latencies = this.pickupNanos;
		int count = Math.min(this.pickups.get(), latencies.length());
		long[] result = new long[count];
		for (int i = 0; i < count; i++) {
			result[i] = latencies.get(i);
		}
		return result;
	}

}
