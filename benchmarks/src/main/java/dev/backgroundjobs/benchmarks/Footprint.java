package dev.backgroundjobs.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;

/**
 * Samples the JVM's live threads and used heap while a workload runs, and keeps the
 * peaks.
 */
public final class Footprint implements AutoCloseable {

	private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final Thread sampler;

	private volatile boolean running = true;

	private volatile long peakHeap;

	private volatile int peakThreads;

	/**
	 * Starts sampling every 20 ms.
	 */
	public Footprint() {
		this.sampler = new Thread(this::sample, "bench-footprint");
		this.sampler.setDaemon(true);
		this.sampler.start();
	}

	private void sample() {
		while (this.running) {
			this.peakHeap = Math.max(this.peakHeap, this.memory.getHeapMemoryUsage().getUsed());
			this.peakThreads = Math.max(this.peakThreads, this.threads.getThreadCount());
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	/**
	 * Returns the JVM's live threads now.
	 * @return the thread count
	 */
	public static int liveThreads() {
		return ManagementFactory.getThreadMXBean().getThreadCount();
	}

	/**
	 * Returns the used heap after a full collection, which is what live objects hold.
	 * @return the used heap in bytes
	 */
	public static long usedHeapAfterCollection() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

	/**
	 * Returns the highest used heap sampled, in MiB.
	 * @return the peak heap
	 */
	public double peakHeapMiB() {
		return this.peakHeap / (1024.0 * 1024.0);
	}

	/**
	 * Returns the most live threads sampled.
	 * @return the peak thread count
	 */
	public int peakThreads() {
		return this.peakThreads;
	}

	@Override
	public void close() {
		this.running = false;
		this.sampler.interrupt();
		try {
			this.sampler.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
