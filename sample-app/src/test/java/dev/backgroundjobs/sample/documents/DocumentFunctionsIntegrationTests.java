package dev.backgroundjobs.sample.documents;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.test.runs.RecordedRun;
import dev.backgroundjobs.test.runs.TestRuns;
import dev.backgroundjobs.test.time.TestClock;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.scheduling.support.CronExpression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests of {@link DocumentFunctions} in the running sample, with its
 * in-process Kafka broker and H2 database: the test clock moves the minute's sleep, the
 * week's wait and the five-minute cron along.
 */
// The same configuration as SampleApplicationIntegrationTests, so both share one context.
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.summarize.failure-rate=0")
class DocumentFunctionsIntegrationTests {

	@Autowired
	private EventPublisher events;

	@Autowired
	private DocumentRepository documents;

	@Autowired
	private TestRuns runs;

	@Autowired
	private TestClock clock;

	@Test
	void theOwnerIsNotifiedAMinuteAfterTheUpload() {
		String eventId = upload("Notes");
		this.runs.await("notify-owner", eventId, RunStatus.SLEEPING);
		this.clock.advance(Duration.ofMinutes(1));
		RecordedRun run = this.runs.await("notify-owner", eventId, RunStatus.COMPLETED);
		assertThat(run.stepIds()).containsExactly("wait-a-minute", "announce");
	}

	@Test
	void aDocumentNobodyReviewsIsGivenUpOnAfterAWeek() {
		String eventId = upload("Draft");
		this.runs.await("await-review", eventId, RunStatus.WAITING);
		this.clock.advance(Duration.ofDays(7));
		RecordedRun run = this.runs.await("await-review", eventId, RunStatus.COMPLETED);
		assertThat(run.output(String.class)).isEqualTo("not reviewed within a week");
	}

	@Test
	void deletingTheDocumentCancelsTheNotificationThatWaitsToBeSent() {
		Document document = this.documents.create(new NewDocument("Gone", "Some content.", "u-1"));
		String eventId = this.events.send("api/document.uploaded", new DocumentUploaded(document.id(), "u-1"));
		this.runs.await("notify-owner", eventId, RunStatus.SLEEPING);
		this.events.send("api/document.deleted", new DocumentDeleted(document.id()));
		RecordedRun run = this.runs.await("notify-owner", eventId, RunStatus.CANCELLED);
		assertThat(run.stepIds()).containsExactly("wait-a-minute");
	}

	@Test
	void theBacklogIsReportedAtEachOfTheNextThreeTicks() {
		CronExpression everyFiveMinutes = CronExpression.parse("0 */5 * * * *");
		ZonedDateTime tick = this.clock.instant().atZone(ZoneOffset.UTC);
		List<Instant> ticks = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			tick = everyFiveMinutes.next(tick);
			ticks.add(tick.toInstant());
		}
		this.clock.advance(Duration.between(this.clock.instant(), ticks.get(2)));
		for (Instant expected : ticks) {
			RecordedRun run = this.runs.await("report-backlog", "cron:report-backlog:" + expected, RunStatus.COMPLETED);
			assertThat(run.stepIds()).containsExactly("count");
		}
	}

	@Test
	void aDocumentThatCannotBeSummarizedIsMarkedAsFailedByTheFailureHandler() {
		Document document = this.documents.create(new NewDocument("Empty", " ", "u-1"));
		String eventId = this.events.send("api/document.uploaded", new DocumentUploaded(document.id(), "u-1"));
		RecordedRun failed = this.runs.await("process-document", eventId, RunStatus.FAILED, Duration.ofSeconds(60));
		RecordedRun handled = this.runs.await("process-document.on-failure", "failure:" + failed.runId(),
				RunStatus.COMPLETED);
		assertThat(handled.stepIds()).containsExactly("mark-failed", "tell-owner");
		assertThat(handled.output(String.class)).isEqualTo("Marked " + document.id() + " as failed");
		assertThat(this.documents.get(document.id()).failure()).contains("Nothing to summarize");
	}

	@Test
	void aUserWithManyUploadsHasTwoProcessedAtOnceAndTheOthersWait() {
		List<String> eventIds = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Document document = this.documents.create(new NewDocument("Report " + i, "Some content.", "u-busy"));
			eventIds.add(this.events.send("api/document.uploaded", new DocumentUploaded(document.id(), "u-busy")));
		}
		// Each summary takes a second or more: while two run, the others wait for a slot.
		List<String> reasons = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
			for (String eventId : eventIds) {
				RecordedRun run = this.runs.find("process-document", eventId);
				if (run != null && run.status() == RunStatus.DELAYED) {
					reasons.add(run.error());
				}
			}
			return !reasons.isEmpty();
		});
		assertThat(reasons).contains("waiting for a concurrency slot: limit 2 for key 'data.userId'");
		for (String eventId : eventIds) {
			this.runs.await("process-document", eventId, RunStatus.COMPLETED, Duration.ofSeconds(60));
		}
	}

	private String upload(String title) {
		Document document = this.documents.create(new NewDocument(title, "Some content.", "u-1"));
		return this.events.send("api/document.uploaded", new DocumentUploaded(document.id(), "u-1"));
	}

}
