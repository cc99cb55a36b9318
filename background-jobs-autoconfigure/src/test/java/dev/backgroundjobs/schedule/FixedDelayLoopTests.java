package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.log.LogAccessor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link FixedDelayLoop}.
 */
class FixedDelayLoopTests {

	private static final LogAccessor logger = new LogAccessor(FixedDelayLoopTests.class);

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	@AfterEach
	void stopScheduler() {
		this.scheduler.shutdownNow();
	}

	@Test
	void taskRunsAgainAfterItThrew() throws InterruptedException {
		AtomicInteger runs = new AtomicInteger();
		CountDownLatch third = new CountDownLatch(3);
		FixedDelayLoop loop = new FixedDelayLoop(this.scheduler, Duration.ofMillis(10), () -> {
			runs.incrementAndGet();
			third.countDown();
			if (runs.get() == 1) {
				throw new IllegalStateException("database unreachable");
			}
			// An Error too: nothing a run throws may end the loop.
			throw new AssertionError("bug");
		}, logger, "test loop");
		loop.start();
		assertThat(third.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(loop.isRunning()).isTrue();
	}

	@Test
	void startSchedulesOnceAndStopCancelsTheNextRuns() {
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
		executor.setRemoveOnCancelPolicy(true);
		try {
			FixedDelayLoop loop = new FixedDelayLoop(executor, Duration.ofHours(1), () -> {
			}, logger, "test loop");
			assertThat(loop.isRunning()).isFalse();
			loop.start();
			loop.start();
			assertThat(loop.isRunning()).isTrue();
			assertThat(executor.getQueue()).hasSize(1);
			loop.stop();
			assertThat(loop.isRunning()).isFalse();
			assertThat(executor.getQueue()).isEmpty();
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void intervalMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FixedDelayLoop(this.scheduler, Duration.ZERO, () -> {
		}, logger, "test loop")).withMessageContaining("'interval' must be positive");
	}

}
