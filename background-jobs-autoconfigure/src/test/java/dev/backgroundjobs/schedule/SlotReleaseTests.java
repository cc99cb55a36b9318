package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.backgroundjobs.engine.FailingRunStore;
import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.TestEngineSettings;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.ConcurrencyLimit;
import dev.backgroundjobs.function.EventTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.FunctionRetrySettings;
import dev.backgroundjobs.function.TestFunctionRegistries;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.testsupport.SettableClock;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SlotRelease}: when the end of a run, or the intake's news of runs made
 * to wait, hands an admission of waiting runs to the scheduler thread. The store is a
 * fake; the scheduler thread is a list of the tasks handed to it, run by the test.
 */
class SlotReleaseTests {

	private static final Duration LEASE = Duration.ofSeconds(8);

	private final FailingRunStore runs = new FailingRunStore();

	private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();

	private final List<Runnable> handedOver = new ArrayList<>();

	private final Executor scheduler = this.handedOver::add;

	@AfterEach
	void stop() {
		this.retries.shutdownNow();
	}

	@Test
	void anEndHandsNothingOverWhileNoRunOfItsFunctionIsKnownToWait() {
		this.runs.on("mayHaveRunsWaitingForSlots", (call) -> false);
		SlotRelease release = slotRelease();
		release.accept(ended("limited"));
		assertThat(this.handedOver).isEmpty();
		assertThat(this.runs.lastArguments("mayHaveRunsWaitingForSlots")).containsExactly("limited");
	}

	@Test
	void anEndAdmitsTheWaitingRunsOnTheSchedulerThreadWhileRunsMayWait() {
		this.runs.on("mayHaveRunsWaitingForSlots", (call) -> true);
		SlotRelease release = slotRelease();
		release.accept(ended("limited"));
		assertThat(this.handedOver).hasSize(1);
		assertThat(this.runs.calls("claimFreedSlots")).isZero();
		this.handedOver.get(0).run();
		assertThat(this.runs.calls("claimFreedSlots")).isEqualTo(1);
	}

	@Test
	void endsWhileAnAdmissionIsPendingShareIt() {
		this.runs.on("mayHaveRunsWaitingForSlots", (call) -> true);
		SlotRelease release = slotRelease();
		release.accept(ended("limited"));
		release.accept(ended("limited"));
		release.slotsMayBeFree("limited");
		assertThat(this.handedOver).hasSize(1);
		this.handedOver.get(0).run();
		// Once the admission started, the next end needs one of its own: the admission
		// may have looked before that run ended.
		release.accept(ended("limited"));
		assertThat(this.handedOver).hasSize(2);
	}

	@Test
	void runsRecordedWaitingHandAnAdmissionOverOnceTheStoreKnowsTheyWait() {
		this.runs.on("mayHaveRunsWaitingForSlots", (call) -> true);
		RunDispatcher dispatcher = dispatcher();
		SlotRelease release = new SlotRelease(poller(dispatcher), functions(), this.runs.store(), this.scheduler);
		dispatcher.onRunsWaiting(release::slotsMayBeFree);
		dispatcher.runsWaiting("limited");
		assertThat(this.handedOver).hasSize(1);
		this.handedOver.get(0).run();
		assertThat(this.runs.calls("claimFreedSlots")).isEqualTo(1);
	}

	@Test
	void functionsWithoutALimitHandNothingOver() {
		this.runs.on("mayHaveRunsWaitingForSlots", (call) -> true);
		SlotRelease release = slotRelease();
		release.accept(ended("free"));
		release.slotsMayBeFree("free");
		release.slotsMayBeFree("unknown");
		assertThat(this.handedOver).isEmpty();
		assertThat(this.runs.calls("mayHaveRunsWaitingForSlots")).isZero();
	}

	private SlotRelease slotRelease() {
		return new SlotRelease(poller(dispatcher()), functions(), this.runs.store(), this.scheduler);
	}

	private DueWorkPoller poller(RunDispatcher dispatcher) {
		return new DueWorkPoller(this.runs.store(), dispatcher, "instance-a", LEASE, 10, functions(),
				new TakeoverHold(new SettableClock(Instant.parse("2026-01-01T00:00:00Z")), LEASE));
	}

	private RunDispatcher dispatcher() {
		return new RunDispatcher(new WorkerPool((task) -> {
		}, 4, 100),
				new RunExecutor(this.runs.store(), null, new FunctionRegistry(), null, TestEngineSettings.of(),
						List.of(), null, null, null, null),
				this.retries, new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0));
	}

	private static FunctionRegistry functions() {
		return TestFunctionRegistries.of(function("limited", new ConcurrencyLimit(1, "data.key", null)),
				function("free", null));
	}

	private static FunctionDefinition function(String id, @Nullable ConcurrencyLimit concurrency) {
		try {
			return new FunctionDefinition(id, "bean", Object.class.getMethod("toString"),
					List.of(new EventTrigger("test/" + id)), FunctionRetrySettings.of(0).defaults(), null, null, null,
					List.of(), List.of(), null, null, concurrency, null);
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static RunRecord ended(String functionId) {
		Instant now = Instant.now();
		return new RunRecord("run-1", functionId, "event-1", "test/" + functionId, "{}", now, RunStatus.COMPLETED, 1, 2,
				0, null, null, null, null, null, now, now, now, null);
	}

}
