package dev.backgroundjobs.schedule;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.backgroundjobs.engine.FailingRunStore;
import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.TestEngineSettings;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.BatchSettings;
import dev.backgroundjobs.function.EventTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.FunctionRetrySettings;
import dev.backgroundjobs.function.TestFunctionRegistries;
import dev.backgroundjobs.function.invoke.HandlerMethodInvoker;
import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.BatchedEvent;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.testsupport.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BatchSweeper} over a fake batch store: it asks only for the batched
 * functions' due batches, with their settings, and survives any failure.
 */
class BatchSweeperTests {

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private final FailingRunStore runs = new FailingRunStore();

	private final List<String> calls = new ArrayList<>();

	private RuntimeException failure;

	private final BatchStore store = new BatchStore() {

		@Override
		public List<NewRun> add(List<BatchedEvent> events, int maxSize, String owner, Duration lease) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<NewRun> closeDue(String functionId, int maxSize, Duration timeout, int limit, String owner,
				Duration lease) {
			BatchSweeperTests.this.calls.add(functionId + " " + maxSize + " " + timeout + " " + limit + " " + owner);
			if (BatchSweeperTests.this.failure != null) {
				throw BatchSweeperTests.this.failure;
			}
			return List.of(NewRun.forEvent(functionId, "batch:k:1", "e", "[]", Instant.EPOCH, null));
		}

	};

	@AfterEach
	void stop() {
		this.scheduler.shutdownNow();
	}

	@Test
	void sweepsOnlyBatchedFunctionsWithTheirSettings() throws Exception {
		BatchSweeper sweeper = sweeper(TestFunctionRegistries
			.of(function("views", new BatchSettings(50, Duration.ofSeconds(5), null)), function("plain", null)));
		assertThat(sweeper.sweepNow()).isOne();
		assertThat(this.calls).containsExactly("views 50 PT5S 10 instance-a");
	}

	@Test
	void aFailedSweepIsReportedAndTheNextOneRunsAgain() throws Exception {
		BatchSweeper sweeper = sweeper(
				TestFunctionRegistries.of(function("views", new BatchSettings(50, Duration.ofSeconds(5), null))));
		this.failure = new CannotCreateTransactionException("Simulated outage: no connection");
		assertThat(sweeper.sweepNow()).isEqualTo(-1);
		this.failure = new IllegalStateException("Simulated bug");
		assertThat(sweeper.sweepNow()).isEqualTo(-1);
		this.failure = null;
		assertThat(sweeper.sweepNow()).isOne();
	}

	@Test
	void withoutBatchedFunctionsItDoesNotStart() throws Exception {
		BatchSweeper sweeper = sweeper(TestFunctionRegistries.of(function("plain", null)));
		sweeper.start();
		assertThat(sweeper.isRunning()).isFalse();
	}

	private BatchSweeper sweeper(FunctionRegistry functions) {
		RunDispatcher dispatcher = new RunDispatcher(new WorkerPool((task) -> {
		}, 4, 100),
				new RunExecutor(this.runs.store(), null, functions, null, TestEngineSettings.of(), List.of(), null,
						null, null, null),
				this.scheduler, new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0));
		return new BatchSweeper(this.store, functions, dispatcher,
				new BatchSweeper.Settings("instance-a", Duration.ofSeconds(8), Duration.ofMillis(200), 10),
				new SettableClock(Instant.parse("2026-01-01T00:00:00Z")), this.scheduler);
	}

	private static FunctionDefinition function(String id, BatchSettings batch) throws NoSuchMethodException {
		Method method = BatchSweeperTests.class.getDeclaredMethod("handle");
		return new FunctionDefinition(id, "bean", method, List.of(new EventTrigger("e")),
				FunctionRetrySettings.of(0).defaults(),
				new HandlerMethodInvoker(new BatchSweeperTests(), method, List.of(), List.of()), null, null, List.of(),
				List.of(), batch);
	}

	void handle() {
	}

}
