package dev.backgroundjobs.benchmarks;

import java.util.OptionalLong;

/**
 * CPU time used while a workload ran, split by who used it.
 *
 * @param applicationNanos the system under test: its JVM or JVMs, without the broker
 * @param brokerNanos the Kafka broker, in the JVM or in its own process
 * @param postgresNanos PostgreSQL's processes that work for the benchmark, empty if they
 * cannot be read
 * @param wallNanos the elapsed time
 */
record CpuUsage(long applicationNanos, long brokerNanos, OptionalLong postgresNanos, long wallNanos) {

	/**
	 * Returns a CPU time in milliseconds per unit of work.
	 * @param nanos the CPU time
	 * @param runs the units of work done
	 * @return milliseconds per unit
	 */
	static double millisPerRun(long nanos, long runs) {
		return nanos / 1e6 / runs;
	}

	/**
	 * Returns a CPU time as a percentage of one core over the elapsed time.
	 * @param nanos the CPU time
	 * @return the percentage of one core
	 */
	double percentOfOneCore(long nanos) {
		return 100.0 * nanos / this.wallNanos;
	}

}
