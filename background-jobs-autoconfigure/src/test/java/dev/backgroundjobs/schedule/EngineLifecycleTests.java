package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.FailingRunStore;
import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.TestEngineSettings;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.RunRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EngineLifecycle}'s loops on a real scheduler, over a store that fails.
 */
class EngineLifecycleTests {

	private static final int FAILURES = 3;

	private final FailingRunStore runs = new FailingRunStore();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	// Its executor never starts a task: a dispatched run stays held in the backlog.
	private final WorkerPool pool = new WorkerPool((task) -> {
	}, 1, 100);

	private EngineLifecycle lifecycle;

	@AfterEach
	void stop() {
		if (this.lifecycle != null) {
			this.lifecycle.stop();
		}
		this.scheduler.shutdownNow();
	}

	@Test
	void pollerAndHeartbeatKeepRunningAfterTheDatabaseCannotBeReached() {
		this.runs.on("claimDue", (call) -> failFirst(call, List.of())).on("extendLeases", (call) -> failFirst(call, 1));
		RunDispatcher dispatcher = new RunDispatcher(this.pool, executor(), this.scheduler,
				new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0));
		dispatcher.dispatch(run("held"), false);
		FunctionRegistry functions = new FunctionRegistry();
		TakeoverHold hold = new TakeoverHold(Clock.systemUTC(), Duration.ofSeconds(30));
		this.lifecycle = new EngineLifecycle(
				new LeaseKeeper(this.runs.store(), dispatcher.heldRuns(), "instance-a", Duration.ofSeconds(30), hold),
				new DueWorkPoller(this.runs.store(), dispatcher, "instance-a", Duration.ofSeconds(30), 10, functions,
						hold),
				new CronTicker(this.runs.store(), dispatcher, functions, "instance-a", Duration.ofSeconds(30),
						Clock.systemUTC(), CronTicker.MissedTicks.RUN_ONCE),
				this.pool, this.runs.store(), this.scheduler, new EngineLifecycle.Settings("instance-a",
						Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(100)));
		this.lifecycle.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.runs.calls("claimDue") > FAILURES + 5);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.runs.calls("extendLeases") > FAILURES + 5);
		assertThat(this.lifecycle.isRunning()).isTrue();
	}

	private static Object failFirst(int call, Object answer) {
		if (call <= FAILURES) {
			throw new CannotCreateTransactionException("Simulated outage: no connection");
		}
		return answer;
	}

	private RunExecutor executor() {
		return new RunExecutor(this.runs.store(), null, new FunctionRegistry(), null, TestEngineSettings.of(),
				List.of(), null, null, null, null);
	}

	private static RunRecord run(String runId) {
		Instant now = Instant.now();
		return new RunRecord(runId, "fn", "event-" + runId, "test/event", "{}", now, RunStatus.QUEUED, 0, 1, 0,
				"instance-a", now.plusSeconds(30), null, null, null, now, null, null, null);
	}

}
