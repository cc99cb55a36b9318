package dev.backgroundjobs.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.SettableClock;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessResourceFailureException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link OverviewCounts}.
 */
class OverviewCountsTests {

	private static final Duration MAX_AGE = Duration.ofSeconds(5);

	private final RunStore runStore = mock(RunStore.class);

	private final SettableClock clock = new SettableClock(Instant.parse("2026-03-01T10:00:00Z"));

	private final OverviewCounts counts = new OverviewCounts(this.runStore, mock(DeadLetterStore.class),
			mock(RunInsights.class), this.clock, MAX_AGE);

	@Test
	void theFirstRequestReadsTheCountsAndTheNextOnesWithinTheMaximumAgeReuseThem() {
		given(this.runStore.countByStatus()).willReturn(Map.of(RunStatus.FAILED, 3L));
		OverviewCounts.Snapshot first = this.counts.get();
		this.clock.advance(MAX_AGE.minusSeconds(1));
		OverviewCounts.Snapshot second = this.counts.get();
		assertThat(first.runCounts()).containsEntry(RunStatus.FAILED, 3L).containsEntry(RunStatus.COMPLETED, 0L);
		assertThat(second).isSameAs(first);
		verify(this.runStore, times(1)).countByStatus();
	}

	@Test
	void aRequestAfterTheMaximumAgeAnswersAtOnceWithTheOldCountsAndOneRefreshRunsBehindIt() throws Exception {
		CountDownLatch refreshStarted = new CountDownLatch(1);
		CountDownLatch releaseRefresh = new CountDownLatch(1);
		given(this.runStore.countByStatus()).willReturn(Map.of(RunStatus.FAILED, 3L));
		OverviewCounts.Snapshot old = this.counts.get();
		willAnswer((invocation) -> {
			refreshStarted.countDown();
			releaseRefresh.await(10, TimeUnit.SECONDS);
			return Map.of(RunStatus.FAILED, 4L);
		}).given(this.runStore).countByStatus();
		this.clock.advance(MAX_AGE.plusSeconds(1));
		// The refresh is held in the database: every request still answers with the old
		// counts, and none starts a second refresh.
		assertThat(this.counts.get()).isSameAs(old);
		assertThat(refreshStarted.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(this.counts.get()).isSameAs(old);
		assertThat(this.counts.get()).isSameAs(old);
		releaseRefresh.countDown();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (this.counts.get() == old && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(this.counts.get().runCounts()).containsEntry(RunStatus.FAILED, 4L);
		verify(this.runStore, times(2)).countByStatus();
	}

	@Test
	void aRequestAfterALongPauseWaitsForFreshCounts() {
		given(this.runStore.countByStatus()).willReturn(Map.of(RunStatus.FAILED, 3L), Map.of(RunStatus.FAILED, 5L));
		this.counts.get();
		this.clock.advance(MAX_AGE.multipliedBy(6).plusSeconds(1));
		OverviewCounts.Snapshot fresh = this.counts.get();
		assertThat(fresh.runCounts()).containsEntry(RunStatus.FAILED, 5L);
		assertThat(fresh.countedAt()).isEqualTo(this.clock.instant());
	}

	@Test
	void aStaleSnapshotIsShownWhenTheDatabaseCannotAnswer() {
		given(this.runStore.countByStatus()).willReturn(Map.of(RunStatus.FAILED, 3L))
			.willThrow(new DataAccessResourceFailureException("database down"));
		OverviewCounts.Snapshot old = this.counts.get();
		this.clock.advance(Duration.ofMinutes(10));
		assertThat(this.counts.get()).isSameAs(old);
	}

	@Test
	void theFirstRequestFailsWhenTheDatabaseCannotAnswer() {
		given(this.runStore.countByStatus()).willThrow(new DataAccessResourceFailureException("database down"));
		assertThatExceptionOfType(DataAccessResourceFailureException.class).isThrownBy(this.counts::get);
	}

}
