package dev.backgroundjobs.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

import com.sun.management.OperatingSystemMXBean;
import org.jspecify.annotations.Nullable;

/**
 * Measures the CPU time used while a workload runs in this JVM. The application's share
 * is the JVM's process CPU time (every thread, garbage collection and JIT compilation
 * included) minus that of the in-JVM broker's threads, which are the threads of the
 * broker's {@link ThreadGroup} (every thread the broker starts, and every thread those
 * start, inherits it). PostgreSQL's share is read from {@code /proc} when it can be.
 */
final class JvmCpuMeter {

	private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final ThreadGroup brokerThreads;

	private final @Nullable PostgresCpu postgres;

	/**
	 * Creates a meter.
	 * @param brokerThreads the thread group of the in-JVM broker
	 * @param postgres reads PostgreSQL's CPU time, {@code null} if it cannot be read
	 */
	JvmCpuMeter(ThreadGroup brokerThreads, @Nullable PostgresCpu postgres) {
		this.brokerThreads = brokerThreads;
		this.postgres = postgres;
		if (this.threads.isThreadCpuTimeSupported() && !this.threads.isThreadCpuTimeEnabled()) {
			this.threads.setThreadCpuTimeEnabled(true);
		}
	}

	/**
	 * Reads every counter now, PostgreSQL's first: reading it is work of this JVM, which
	 * should not count in what comes after.
	 * @return the reading
	 */
	Reading read() {
		PostgresCpu.Sample postgres = (this.postgres != null) ? this.postgres.sample() : null;
		return new Reading(System.nanoTime(), this.os.getProcessCpuTime(), brokerThreadNanos(), postgres);
	}

	/**
	 * Returns the CPU time used since an earlier reading. PostgreSQL's counters are read
	 * last, for the same reason as in {@link #read()}.
	 * @param before the earlier reading
	 * @return the usage
	 */
	CpuUsage since(Reading before) {
		long wall = System.nanoTime();
		long process = this.os.getProcessCpuTime();
		Map<Long, Long> brokerThreads = brokerThreadNanos();
		PostgresCpu.Sample postgres = (this.postgres != null) ? this.postgres.sample() : null;
		Reading after = new Reading(wall, process, brokerThreads, postgres);
		long broker = 0;
		for (Map.Entry<Long, Long> thread : after.brokerThreads().entrySet()) {
			broker += thread.getValue() - before.brokerThreads().getOrDefault(thread.getKey(), 0L);
		}
		long used = after.processNanos() - before.processNanos();
		OptionalLong postgresUsed = (before.postgres() != null && after.postgres() != null
				&& after.postgres().backends() > 0) ? OptionalLong.of(after.postgres().nanosSince(before.postgres()))
						: OptionalLong.empty();
		return new CpuUsage(used - broker, broker, postgresUsed, after.wallNanos() - before.wallNanos());
	}

	private Map<Long, Long> brokerThreadNanos() {
		Thread[] all = new Thread[this.brokerThreads.activeCount() * 2 + 16];
		int count = this.brokerThreads.enumerate(all, true);
		Map<Long, Long> nanos = new HashMap<>();
		for (int i = 0; i < count; i++) {
			long cpu = this.threads.getThreadCpuTime(all[i].getId());
			if (cpu >= 0) {
				nanos.put(all[i].getId(), cpu);
			}
		}
		return nanos;
	}

	/**
	 * The counters at one moment.
	 *
	 * @param wallNanos {@link System#nanoTime()}
	 * @param processNanos the JVM's CPU time
	 * @param brokerThreads CPU time of each live broker thread, by thread id
	 * @param postgres PostgreSQL's processes, {@code null} if not read
	 */
	record Reading(long wallNanos, long processNanos, Map<Long, Long> brokerThreads,
			PostgresCpu.@Nullable Sample postgres) {

	}

}
