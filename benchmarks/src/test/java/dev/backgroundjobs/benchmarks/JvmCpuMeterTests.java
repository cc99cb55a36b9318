package dev.backgroundjobs.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JvmCpuMeter}: CPU time of the broker's thread group, and of the
 * threads its threads start, is the broker's; the rest of the JVM's is the application's.
 */
class JvmCpuMeterTests {

	private static final long BURN = TimeUnit.MILLISECONDS.toNanos(200);

	@Test
	void threadsStartedByBrokerThreadsCountAsTheBrokers() throws InterruptedException {
		ThreadGroup broker = new ThreadGroup("test-broker");
		JvmCpuMeter meter = new JvmCpuMeter(broker, null);
		CountDownLatch burned = new CountDownLatch(1);
		CountDownLatch measured = new CountDownLatch(1);
		JvmCpuMeter.Reading before = meter.read();
		// A broker thread starts another one, as the broker's pools do; that one works,
		// then lives until measured (the time of an ended thread is gone with it).
		Thread starter = new Thread(broker, () -> {
			Thread child = new Thread(() -> {
				burn();
				burned.countDown();
				await(measured);
			}, "test-broker-child");
			child.start();
			await(measured);
		}, "test-broker-starter");
		starter.start();
		burn();
		burned.await();
		CpuUsage usage = meter.since(before);
		measured.countDown();
		starter.join();
		assertThat(usage.brokerNanos()).isGreaterThanOrEqualTo(BURN);
		assertThat(usage.applicationNanos()).isGreaterThanOrEqualTo(BURN);
	}

	private static void burn() {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long start = threads.getCurrentThreadCpuTime();
		long sum = 0;
		while (threads.getCurrentThreadCpuTime() - start < BURN) {
			sum += System.nanoTime() % 7;
		}
		assertThat(sum).isNotNegative();
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
