package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WorkerPool}.
 */
class WorkerPoolTests {

	@Test
	void taskTheExecutorRefusesStaysQueuedAndRunsWithTheNextSubmission() {
		AtomicInteger refusals = new AtomicInteger(1);
		Executor threads = Executors.newCachedThreadPool();
		WorkerPool pool = new WorkerPool((task) -> {
			if (refusals.getAndDecrement() > 0) {
				throw new RejectedExecutionException("Simulated: no thread available");
			}
			threads.execute(task);
		}, 2, 10);
		AtomicInteger ran = new AtomicInteger();
		assertThat(pool.submit(ran::incrementAndGet)).isTrue();
		assertThat(pool.backlogSize()).isOne();
		assertThat(pool.activeCount()).isZero();
		assertThat(pool.submit(ran::incrementAndGet)).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 2);
		assertThat(pool.backlogSize()).isZero();
		pool.shutdown(Duration.ofSeconds(1));
	}

}
