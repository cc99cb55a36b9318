package dev.backgroundjobs.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.DeadLetterOperations;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.store.DeadLetterRecord;
import dev.backgroundjobs.store.DeadLetterStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

/**
 * Tests for {@link DashboardActions}' replay of dead letters of records that could not be
 * read.
 */
class DashboardActionsTests {

	private static final String POISON_ID = "poison-abc";

	private final JobsEndpoint endpoint = mock(JobsEndpoint.class);

	private final DeadLetterStore deadLetters = mock(DeadLetterStore.class);

	private final DeadLetterOperations operations = mock(DeadLetterOperations.class);

	private final DashboardActions actions = new DashboardActions(this.endpoint, this.deadLetters,
			mock(EventPublisher.class),
			new DashboardSettings("/background-jobs", Show.ALWAYS, Set.of(), true, false, null, Duration.ofSeconds(5)),
			this.operations);

	@Test
	void replayingAPoisonDeadLetterPublishesItsRecordAgain() {
		given(this.deadLetters.find(POISON_ID)).willReturn(poison());
		given(this.operations.replay(POISON_ID)).willReturn(true);
		DashboardActions.Outcome outcome = replay();
		assertThat(outcome.httpStatus()).isEqualTo(200);
		assertThat(outcome.message()).isEqualTo("Published the record again to bj.orders");
		verifyNoInteractions(this.endpoint);
	}

	@Test
	void replayingAPoisonDeadLetterWhileTheBrokerIsDownAnswers503AndKeepsIt() {
		given(this.deadLetters.find(POISON_ID)).willReturn(poison());
		given(this.operations.replay(POISON_ID))
			.willThrow(new BrokerUnavailableException("The broker did not acknowledge the record", null));
		DashboardActions.Outcome outcome = replay();
		assertThat(outcome.httpStatus()).isEqualTo(503);
		assertThat(outcome.message()).contains("did not acknowledge");
	}

	private DashboardActions.Outcome replay() {
		ResponseEntity<?> response = this.actions.replay(new DashboardActions.Selection(List.of(POISON_ID)));
		DashboardActions.Outcomes outcomes = (DashboardActions.Outcomes) response.getBody();
		assertThat(outcomes).isNotNull();
		return outcomes.outcomes().get(0);
	}

	private static DeadLetterRecord poison() {
		return new DeadLetterRecord(POISON_ID, null, "orders", null, "Could not be read", "bj.orders", 0, 7,
				new byte[0], new byte[0], Instant.now(), null);
	}

}
