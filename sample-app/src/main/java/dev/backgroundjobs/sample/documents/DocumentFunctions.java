package dev.backgroundjobs.sample.documents;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.backgroundjobs.CancelOn;
import dev.backgroundjobs.Concurrency;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.Step;
import dev.backgroundjobs.Throttle;

import org.springframework.stereotype.Component;

/**
 * Background functions for documents.
 */
@Component
class DocumentFunctions {

	private final DocumentRepository documents;

	private final Summarizer summarizer;

	DocumentFunctions(DocumentRepository documents, Summarizer summarizer) {
		this.documents = documents;
		this.summarizer = summarizer;
	}

	/**
	 * Summarises an uploaded document in three checkpointed steps. When the summarizer
	 * fails, only the {@code summarize} step is retried: the document is not fetched
	 * again, and a summary that has been produced is never produced twice. When a step
	 * still fails after its retries, {@link #processFailed} runs.
	 * <p>
	 * The summarizer's provider allows 60 calls a minute, so the function is throttled to
	 * 60 starts a minute across all instances, with a burst of 10 after a quiet spell:
	 * uploads beyond that wait their turn as {@code DELAYED} runs, none is dropped. And
	 * so that one user uploading a hundred documents does not hold up everyone else's, at
	 * most two documents of a user are processed at once (a concurrency key on the
	 * owner): the others wait {@code DELAYED} for a slot, holding no thread.
	 * @param event the upload event
	 * @param step the step API
	 * @return the run's output
	 */
	@EventHandler(id = "process-document", event = "api/document.uploaded", retries = 3, onFailure = "processFailed",
			throttle = @Throttle(limit = 60, period = "1m", burst = 10),
			concurrency = @Concurrency(limit = 2, key = "data.userId"))
	String process(Event<DocumentUploaded> event, Step step) {
		Document document = step.run("fetch-document", Document.class, () -> fetch(event.data().documentId()));
		String summary = step.run("summarize", String.class, () -> this.summarizer.summarize(document.content()));
		step.run("save-summary", () -> this.documents.saveSummary(document.id(), summary));
		return "Processed " + document.id();
	}

	/**
	 * Runs once when processing a document has failed for good (the failure handler of
	 * {@code process-document}, a durable run of its own): marks the document as failed,
	 * so {@code GET /api/documents/{id}} shows why, and tells the owner. The failed run
	 * stays a dead letter that an operator can replay once the cause is fixed.
	 * @param failure the failed run, its error and its upload event
	 * @param step the step API
	 * @return the run's output
	 */
	String processFailed(FunctionFailure<DocumentUploaded> failure, Step step) {
		DocumentUploaded uploaded = failure.event().data();
		step.run("mark-failed", () -> this.documents.markFailed(uploaded.documentId(), failure.error()));
		step.sendEvent("tell-owner", "api/document.processing-failed",
				Map.of("documentId", uploaded.documentId(), "userId", uploaded.userId(), "runId", failure.runId()));
		return "Marked " + uploaded.documentId() + " as failed";
	}

	/**
	 * Waits a minute after an upload, durably (the run holds no thread and survives a
	 * restart), then tells the owner once that the summary is ready. Deleting the
	 * document meanwhile cancels the run: the owner hears nothing about it.
	 * @param event the upload event
	 * @param step the step API
	 * @return the id of the event sent
	 */
	@EventHandler(id = "notify-owner", event = "api/document.uploaded",
			cancelOn = @CancelOn(event = "api/document.deleted", match = "data.documentId"))
	String notifyOwner(Event<DocumentUploaded> event, Step step) {
		step.sleep("wait-a-minute", Duration.ofMinutes(1));
		return step.sendEvent("announce", "api/document.summary-ready",
				Map.of("documentId", event.data().documentId(), "userId", event.data().userId()));
	}

	/**
	 * Waits up to a week for a reviewer's decision on an uploaded document. The run is
	 * parked as WAITING, holding no thread, until an {@code api/document.reviewed} event
	 * with the same {@code documentId} arrives ({@code POST /api/documents/{id}/review}).
	 * Deleting the document ({@code DELETE /api/documents/{id}}) cancels the run: an
	 * {@code api/document.deleted} event with the same {@code documentId} cancels it,
	 * whether it is waiting or has not even started yet.
	 * @param event the upload event
	 * @param step the step API
	 * @return the outcome of the review
	 */
	@EventHandler(id = "await-review", event = "api/document.uploaded",
			cancelOn = @CancelOn(event = "api/document.deleted", match = "data.documentId"))
	String awaitReview(Event<DocumentUploaded> event, Step step) {
		Optional<Event<DocumentReviewed>> review = step.waitForEvent("review", "api/document.reviewed",
				DocumentReviewed.class, Duration.ofDays(7), "data.documentId");
		return review.map((reviewed) -> reviewed.data().approved() ? "approved" : "rejected")
			.orElse("not reviewed within a week");
	}

	/**
	 * Reports every five minutes how many documents still wait for their summary: one run
	 * per tick across all instances of the application.
	 * @param step the step API
	 * @return the number of documents without a summary
	 */
	@EventHandler(id = "report-backlog", cron = "*/5 * * * *")
	long reportBacklog(Step step) {
		Long backlog = step.run("count", Long.class, this.documents::countUnsummarized);
		return (backlog != null) ? backlog : 0;
	}

	private Document fetch(String id) {
		Document document = this.documents.get(id);
		if (document == null) {
			throw new IllegalStateException("No document with id '" + id + "'");
		}
		return document;
	}

}
