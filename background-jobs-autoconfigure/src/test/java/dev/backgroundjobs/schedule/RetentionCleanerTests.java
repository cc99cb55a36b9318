package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.RetentionStore;
import dev.backgroundjobs.store.RetentionStore.Deleted;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RetentionCleaner}'s rounds, against a store that records its calls
 * (the deletions themselves are tested against real databases in
 * {@code JdbcRetentionStoreIntegrationTests} and
 * {@link RetentionCleanerIntegrationTests}).
 */
class RetentionCleanerTests {

	private static final Duration COMPLETED_AGE = Duration.ofDays(7);

	private static final Duration FAILED_AGE = Duration.ofDays(30);

	private final RecordingStore store = new RecordingStore();

	private final List<Deleted> reported = new ArrayList<>();

	private final RetentionCleaner cleaner = new RetentionCleaner(this.store,
			new RetentionCleaner.Settings(COMPLETED_AGE, FAILED_AGE, 3, Duration.ofMinutes(1)),
			List.of(this.reported::add));

	@Test
	void completedRunsAreDeletedAtTheirAgeAndFailedAndCancelledRunsAndDeadLettersAtTheFailedAge() {
		this.cleaner.cleanNow();
		assertThat(this.store.calls).containsExactly("COMPLETED older than " + COMPLETED_AGE + " limit 3",
				"FAILED older than " + FAILED_AGE + " limit 3", "CANCELLED older than " + FAILED_AGE + " limit 3",
				"dead letters older than " + FAILED_AGE + " limit 3");
	}

	@Test
	void fullBatchesAreFollowedByAnotherUntilOneComesBackShortAndEachIsReported() {
		this.store.completed.add(new Deleted(3, 6, 0, 0, 0));
		this.store.completed.add(new Deleted(3, 3, 1, 0, 0));
		this.store.completed.add(new Deleted(1, 0, 0, 0, 0));
		this.store.deadLetters.add(new Deleted(0, 0, 0, 0, 3));
		Deleted total = this.cleaner.cleanNow();
		assertThat(this.store.calls).filteredOn((call) -> call.startsWith("COMPLETED")).hasSize(3);
		assertThat(this.store.calls).filteredOn((call) -> call.startsWith("dead letters")).hasSize(2);
		assertThat(total).isEqualTo(new Deleted(7, 9, 1, 0, 3));
		assertThat(this.reported).containsExactly(new Deleted(3, 6, 0, 0, 0), new Deleted(3, 3, 1, 0, 0),
				new Deleted(1, 0, 0, 0, 0), new Deleted(0, 0, 0, 0, 3));
	}

	@Test
	void settingsMustBePositive() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetentionCleaner.Settings(Duration.ZERO, FAILED_AGE, 3, Duration.ofMinutes(1)));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetentionCleaner.Settings(COMPLETED_AGE, FAILED_AGE, 0, Duration.ofMinutes(1)));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetentionCleaner.Settings(COMPLETED_AGE, FAILED_AGE, 3, Duration.ZERO));
	}

	private static final class RecordingStore implements RetentionStore {

		final List<String> calls = new ArrayList<>();

		final Deque<Deleted> completed = new ArrayDeque<>();

		final Deque<Deleted> deadLetters = new ArrayDeque<>();

		@Override
		public Deleted deleteFinishedRuns(RunStatus status, Duration olderThan, int limit) {
			this.calls.add(status + " older than " + olderThan + " limit " + limit);
			Deleted next = (status == RunStatus.COMPLETED) ? this.completed.poll() : null;
			return (next != null) ? next : Deleted.NONE;
		}

		@Override
		public Deleted deletePublishedDeadLetters(Duration olderThan, int limit) {
			this.calls.add("dead letters older than " + olderThan + " limit " + limit);
			Deleted next = this.deadLetters.poll();
			return (next != null) ? next : Deleted.NONE;
		}

	}

}
