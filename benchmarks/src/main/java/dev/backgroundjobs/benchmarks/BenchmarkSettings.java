package dev.backgroundjobs.benchmarks;

import java.time.Duration;
import java.util.List;

/**
 * The sizes of the workloads and how often each one is repeated.
 *
 * @param repeat how many times each workload runs for each system
 * @param publishCount W1: sends per thread count, divided among the threads
 * @param publishThreads W1: the thread counts it runs with, one after the other
 * @param oneStepCount W2: events to the one-step function, the backlog drained
 * @param threeStepCount W3: events to the three-step function, the backlog drained
 * @param submitThreads W2 and W3: threads that submit the backlog
 * @param pickupRate W4: events per second
 * @param pickupDuration W4: how long events are published
 * @param idleDuration W4: how long CPU time is measured with nothing submitted, before
 * the events are published
 * @param parkedCount W5: runs parked in a durable sleep at once
 * @param jdbcDuration how long each plain-JDBC insert measurement runs
 * @param timeout the longest any one workload may take
 */
public record BenchmarkSettings(int repeat, int publishCount, List<Integer> publishThreads, int oneStepCount,
		int threeStepCount, int submitThreads, int pickupRate, Duration pickupDuration, Duration idleDuration,
		int parkedCount, Duration jdbcDuration, Duration timeout) {

	/**
	 * The sizes the workloads are defined with (see {@code benchmarks/README.md}).
	 * @param repeat how many times each workload runs
	 * @return the settings
	 */
	public static BenchmarkSettings full(int repeat) {
		return new BenchmarkSettings(repeat, 10_000, List.of(1, 8, 32), 20_000, 5_000, 8, 100, Duration.ofSeconds(30),
				Duration.ofSeconds(5), 10_000, Duration.ofSeconds(3), Duration.ofMinutes(5));
	}

	/**
	 * Tiny sizes that only prove every workload still builds and runs.
	 * @return the settings
	 */
	public static BenchmarkSettings smoke() {
		return new BenchmarkSettings(1, 64, List.of(1, 8, 32), 40, 20, 2, 100, Duration.ofSeconds(1),
				Duration.ofMillis(500), 20, Duration.ofMillis(200), Duration.ofMinutes(1));
	}

	/**
	 * Returns how many units of work one call of a batch API submits: 500, or a quarter
	 * of the W2 backlog when that is smaller.
	 * @return the batch size
	 */
	public int batchSize() {
		return Math.min(500, Math.max(1, this.oneStepCount / 4));
	}

	/**
	 * Returns the number of events W4 publishes.
	 * @return the event count
	 */
	public int pickupCount() {
		return (int) (this.pickupRate * this.pickupDuration.toMillis() / 1000);
	}

}
