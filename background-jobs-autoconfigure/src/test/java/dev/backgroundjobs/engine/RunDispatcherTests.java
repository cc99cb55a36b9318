package dev.backgroundjobs.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.RunRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RunDispatcher}: no failure of an execution drops its run.
 */
class RunDispatcherTests {

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private final FailingRunStore runs = new FailingRunStore();

	private final WorkerPool pool = new WorkerPool(Executors.newCachedThreadPool(), 2, 10);

	@AfterEach
	void stop() {
		this.pool.shutdown(Duration.ofSeconds(1));
		this.scheduler.shutdownNow();
	}

	@Test
	void runIsDispatchedAgainWhenAnUnexpectedFailureEscapesItsExecution() {
		// The run cannot be started, nor failed: the failure escapes the executor.
		this.runs.on("start", (call) -> {
			if (call == 1) {
				throw new IllegalStateException("Simulated bug");
			}
			return false;
		}).on("fail", (call) -> {
			throw new IllegalStateException("Simulated bug while failing the run");
		});
		RunDispatcher dispatcher = dispatcher();
		dispatcher.dispatch(run("run-1"), false);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.runs.calls("start") == 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> !dispatcher.heldRuns().contains("run-1"));
	}

	@Test
	void runIsHeldAndDispatchedAgainWithoutFailingWhenTheDatabaseIsUnreachable() {
		this.runs.on("start", (call) -> {
			if (call <= 3) {
				throw new CannotCreateTransactionException("Simulated outage");
			}
			return false;
		});
		RunDispatcher dispatcher = dispatcher();
		dispatcher.dispatch(run("run-1"), false);
		assertThat(dispatcher.heldRuns().contains("run-1")).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.runs.calls("start") == 4);
		await().atMost(Duration.ofSeconds(10)).until(() -> !dispatcher.heldRuns().contains("run-1"));
		assertThat(this.runs.calls("fail")).isZero();
		assertThat(this.runs.calls("park")).isZero();
	}

	@Test
	void runThatEndsIsNoLongerHeld() {
		RunDispatcher dispatcher = dispatcher();
		dispatcher.dispatch(run("run-1"), false);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.runs.calls("start") == 1);
		await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.heldRuns().runIds().isEmpty());
	}

	private RunDispatcher dispatcher() {
		return new RunDispatcher(this.pool, executor(), this.scheduler,
				new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0));
	}

	/**
	 * An executor over the fake run store; the other collaborators are never reached, as
	 * no run gets past its start.
	 */
	private RunExecutor executor() {
		return new RunExecutor(this.runs.store(), null, new FunctionRegistry(), null, TestEngineSettings.of(),
				List.of(), null, null, null, null);
	}

	static RunRecord run(String runId) {
		Instant now = Instant.now();
		return new RunRecord(runId, "fn", "event-" + runId, "test/event", "{}", now, RunStatus.QUEUED, 0, 1, 0,
				"instance-a", now.plusSeconds(30), null, null, null, now, null, null, null);
	}

}
