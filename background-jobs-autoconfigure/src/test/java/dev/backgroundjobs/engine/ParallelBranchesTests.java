package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ParallelBranches} on a real {@link BranchPool}.
 */
class ParallelBranchesTests {

	private final BranchPool pool = new BranchPool(4, new CustomizableThreadFactory("branch-test-"));

	private final ExecutorService worker = Executors.newSingleThreadExecutor();

	@AfterEach
	void tearDown() {
		this.pool.close();
		this.worker.shutdownNow();
	}

	@Test
	void interruptingTheWaitingWorkerInterruptsEveryBranchAndReturnsOnlyWhenTheyHaveEnded() throws Exception {
		CountDownLatch started = new CountDownLatch(2);
		CountDownLatch ended = new CountDownLatch(2);
		Callable<String> blocking = () -> {
			try {
				started.countDown();
				new CountDownLatch(1).await();
				return "not interrupted";
			}
			finally {
				ended.countDown();
			}
		};
		AtomicReference<Long> endedWhenReturned = new AtomicReference<>();
		Future<?> waiting = this.worker.submit(() -> {
			try {
				runAll(List.of(blocking, blocking));
			}
			finally {
				endedWhenReturned.set(ended.getCount());
			}
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		waiting.cancel(true);
		assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
		awaitSet(endedWhenReturned);
		assertThat(endedWhenReturned.get()).isZero();
	}

	@Test
	void interruptedWorkerGetsTheBranchesOutcomesAndKeepsItsInterruptFlag() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		AtomicReference<List<ParallelBranches.Ended<String>>> outcomes = new AtomicReference<>();
		AtomicReference<Boolean> flag = new AtomicReference<>();
		Thread thread = new Thread(() -> {
			outcomes.set(runAll(List.of(() -> {
				started.countDown();
				new CountDownLatch(1).await();
				return "not interrupted";
			})));
			flag.set(Thread.currentThread().isInterrupted());
		});
		thread.start();
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		thread.interrupt();
		thread.join(10_000);
		assertThat(outcomes.get()).singleElement()
			.satisfies((ended) -> assertThat(ended.failure()).isInstanceOf(InterruptedException.class));
		assertThat(flag.get()).isTrue();
	}

	@Test
	void aBranchThatLosesTheLeaseInterruptsItsSiblings() {
		CountDownLatch siblingStarted = new CountDownLatch(1);
		List<ParallelBranches.Ended<String>> ended = runAll(List.of(() -> {
			siblingStarted.await();
			throw new RunInterruption.LeaseLost("Lost the lease");
		}, () -> {
			siblingStarted.countDown();
			try {
				new CountDownLatch(1).await();
				return "not interrupted";
			}
			catch (InterruptedException ex) {
				return "interrupted";
			}
		}));
		assertThat(ended.get(0).failure()).isInstanceOf(RunInterruption.LeaseLost.class);
		assertThat(ended.get(1).result()).isEqualTo("interrupted");
	}

	@Test
	void aFailingOrParkingBranchLetsItsSiblingsFinish() {
		CountDownLatch failed = new CountDownLatch(2);
		List<ParallelBranches.Ended<String>> ended = runAll(List.of(() -> {
			failed.countDown();
			throw new IllegalStateException("Step failed");
		}, () -> {
			failed.countDown();
			throw new RunInterruption.Park(Duration.ofMinutes(1), "backoff");
		}, () -> {
			// Both siblings have failed before this one finishes.
			return failed.await(10, TimeUnit.SECONDS) ? "finished" : "siblings did not fail";
		}));
		assertThat(ended.get(0).failure()).hasMessage("Step failed");
		assertThat(ended.get(1).failure()).isInstanceOf(RunInterruption.Park.class);
		assertThat(ended.get(2).result()).isEqualTo("finished");
		assertThat(ended.get(2).failure()).isNull();
	}

	@Test
	void branchesOfAClosedPoolAreAbandoned() {
		this.pool.close();
		List<ParallelBranches.Ended<String>> ended = runAll(List.of(() -> "never"));
		assertThat(ended.get(0).failure()).isInstanceOf(RunInterruption.Abandoned.class)
			.hasMessageContaining("the engine has stopped");
	}

	private <R> List<ParallelBranches.Ended<R>> runAll(List<Callable<R>> bodies) {
		return new ParallelBranches(this.pool, "parallel step 'fan' of run r1").runAll(bodies);
	}

	private static void awaitSet(AtomicReference<?> reference) throws InterruptedException {
		for (int i = 0; i < 1_000 && reference.get() == null; i++) {
			Thread.sleep(10);
		}
		assertThat(reference.get()).isNotNull();
	}

}
