package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.backgroundjobs.engine.FailingRunStore;
import dev.backgroundjobs.engine.RetryBackoff;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.engine.RunExecutor;
import dev.backgroundjobs.engine.TestEngineSettings;
import dev.backgroundjobs.engine.WorkerPool;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.testsupport.SettableClock;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DueWorkPoller} and the {@link TakeoverHold} it obeys, over a fake
 * store and a settable clock.
 */
class DueWorkPollerTests {

	private static final Duration LEASE = Duration.ofSeconds(8);

	private final FailingRunStore runs = new FailingRunStore();

	private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final TakeoverHold hold = new TakeoverHold(this.clock, LEASE);

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private final DueWorkPoller poller = new DueWorkPoller(this.runs.store(),
			new RunDispatcher(new WorkerPool((task) -> {
			}, 4, 100),
					new RunExecutor(this.runs.store(), null, new FunctionRegistry(), null, TestEngineSettings.of(),
							List.of(), null, null, null, null),
					this.scheduler, new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0)),
			"instance-a", LEASE, 10, new FunctionRegistry(), this.hold);

	@AfterEach
	void stop() {
		this.scheduler.shutdownNow();
	}

	@Test
	void expiredLeasesAreTakenOverWhenTheDatabaseWasReachableAllAlong() {
		this.poller.pollNow();
		assertThat(takeOverRequested()).isTrue();
		assertThat(lastCutoff()).isEqualTo(this.clock.instant());
	}

	@Test
	void afterAnOutageExpiredLeasesAreTakenOverOnlyOnceOwnersHadALeaseLengthToRenewThem() {
		this.runs.on("claimDue", (call) -> {
			if (call <= 2) {
				throw new CannotCreateTransactionException("Simulated outage: no connection");
			}
			return List.of();
		});
		this.poller.pollNow();
		this.poller.pollNow();
		assertThat(this.hold.takeoverCutoff()).isNull();
		this.poller.pollNow();
		assertThat(takeOverRequested()).isFalse();
		this.clock.advance(LEASE.minusMillis(1));
		this.poller.pollNow();
		assertThat(takeOverRequested()).isFalse();
		this.clock.advance(Duration.ofMillis(1));
		this.poller.pollNow();
		assertThat(takeOverRequested()).isTrue();
	}

	@Test
	void aPermanentFailureDoesNotHoldTakeoversBack() {
		this.runs.on("claimDue", (call) -> {
			if (call == 1) {
				throw new DataIntegrityViolationException("Simulated bug");
			}
			return List.of();
		});
		this.poller.pollNow();
		this.poller.pollNow();
		assertThat(takeOverRequested()).isTrue();
	}

	@Test
	void aCallThatHungForMoreThanHalfALeaseHoldsTakeoversBackLikeAFailure() {
		this.hold.reached(LEASE.dividedBy(2));
		assertThat(this.hold.takeoverCutoff()).isNotNull();
		// Waited for a connection, or hung on a black-holed one, then succeeded.
		this.hold.reached(LEASE.dividedBy(2).plusMillis(1));
		this.poller.pollNow();
		assertThat(takeOverRequested()).isFalse();
		this.clock.advance(LEASE);
		this.poller.pollNow();
		assertThat(takeOverRequested()).isTrue();
	}

	@Test
	void aFailedHeartbeatHoldsTakeoversBackToo() {
		this.hold.failed(new CannotCreateTransactionException("Simulated outage: no connection"));
		this.poller.pollNow();
		assertThat(takeOverRequested()).isFalse();
		this.clock.advance(LEASE);
		this.poller.pollNow();
		assertThat(takeOverRequested()).isTrue();
	}

	private boolean takeOverRequested() {
		return lastCutoff() != null;
	}

	private @Nullable Instant lastCutoff() {
		return (Instant) this.runs.lastArguments("claimDue")[4];
	}

}
