package dev.backgroundjobs.sample.documents;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.test.SentEvent;
import dev.backgroundjobs.test.TestRun;
import dev.backgroundjobs.test.TestStep;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;

/**
 * Unit tests of {@link DocumentFunctions} with a {@link TestStep}: no Kafka, no database
 * (the repository is a mock).
 */
class DocumentFunctionsTests {

	private static final Instant NOW = Instant.parse("2026-03-02T09:00:00Z");

	private final DocumentRepository documents = mock(DocumentRepository.class);

	// Never called by these tests: its step is mocked.
	private final DocumentFunctions functions = new DocumentFunctions(this.documents, new Summarizer(1));

	private final Document document = new Document("d-1", "Notes", "Kafka carries events.", "u-1", NOW, null, null);

	private final Event<DocumentUploaded> uploaded = Event.of("api/document.uploaded",
			new DocumentUploaded(this.document.id(), "u-1"));

	private final TestStep step = new TestStep().clock(Clock.fixed(NOW, ZoneOffset.UTC));

	@BeforeEach
	void storeTheDocument() {
		given(this.documents.get(this.document.id())).willReturn(this.document);
	}

	@Test
	void processFetchesSummarizesAndSavesInThreeSteps() {
		TestRun<String> run = this.step.mock("summarize", "3 words")
			.execute(() -> this.functions.process(this.uploaded, this.step));
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.output()).isEqualTo("Processed " + this.document.id());
		assertThat(run.stepIds()).containsExactly("fetch-document", "summarize", "save-summary");
		then(this.documents).should().saveSummary(this.document.id(), "3 words");
	}

	@Test
	void aFailingSummarizerIsRetriedAndOnlyThatStepRepeats() {
		TestRun<String> run = this.step.fail("summarize", 2)
			.mock("summarize", "3 words")
			.execute(() -> this.functions.process(this.uploaded, this.step));
		assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
		assertThat(run.step("fetch-document").attempts()).isEqualTo(1);
		assertThat(run.step("summarize").attempts()).isEqualTo(3);
	}

	@Test
	void processFailsWhenTheSummarizerFailsMoreOftenThanItsRetries() {
		TestRun<String> run = this.step.retries(3)
			.fail("summarize", 4)
			.execute(() -> this.functions.process(this.uploaded, this.step));
		assertThat(run.status()).isEqualTo(RunStatus.FAILED);
		assertThat(run.stepIds()).containsExactly("fetch-document", "summarize");
		then(this.documents).should(never()).saveSummary(any(), any());
	}

	@Test
	void notifyOwnerSleepsAMinuteThenAnnouncesTheSummary() {
		TestRun<String> run = this.step.execute(() -> this.functions.notifyOwner(this.uploaded, this.step));
		assertThat(run.sleeps()).singleElement()
			.satisfies((sleep) -> assertThat(sleep.wakeAt()).isEqualTo(NOW.plus(Duration.ofMinutes(1))));
		assertThat(run.sentEvents()).containsExactly(new SentEvent("announce", "api/document.summary-ready",
				Map.of("documentId", this.document.id(), "userId", "u-1")));
	}

	@Test
	void notifyOwnerParksAtItsSleep() {
		TestRun<String> run = this.step.parkAtSleeps()
			.execute(() -> this.functions.notifyOwner(this.uploaded, this.step));
		assertThat(run.status()).isEqualTo(RunStatus.SLEEPING);
		assertThat(run.sentEvents()).isEmpty();
	}

	@Test
	void awaitReviewReportsTheReviewersDecision() {
		Event<DocumentReviewed> reviewed = Event.of("api/document.reviewed",
				new DocumentReviewed(this.document.id(), false));
		TestRun<String> run = this.step.receive("review", reviewed)
			.execute(() -> this.functions.awaitReview(this.uploaded, this.step));
		assertThat(run.output()).isEqualTo("rejected");
	}

	@Test
	void awaitReviewGivesUpAfterAWeek() {
		TestRun<String> run = this.step.timeOut("review")
			.execute(() -> this.functions.awaitReview(this.uploaded, this.step));
		assertThat(run.output()).isEqualTo("not reviewed within a week");
		assertThat(run.step("review").wakeAt()).isEqualTo(NOW.plus(Duration.ofDays(7)));
	}

	@Test
	void reportBacklogCountsTheDocumentsWithoutSummary() {
		given(this.documents.countUnsummarized()).willReturn(1L);
		TestRun<Long> run = this.step.execute(() -> this.functions.reportBacklog(this.step));
		assertThat(run.output()).isEqualTo(1L);
	}

}
