package dev.backgroundjobs.sample.documents;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;

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
	 * again, and a summary that has been produced is never produced twice.
	 * @param event the upload event
	 * @param step the step API
	 * @return the run's output
	 */
	@EventHandler(id = "process-document", event = "api/document.uploaded", retries = 3)
	String process(Event<DocumentUploaded> event, Step step) {
		Document document = step.run("fetch-document", Document.class, () -> fetch(event.data().documentId()));
		String summary = step.run("summarize", String.class, () -> this.summarizer.summarize(document.content()));
		step.run("save-summary", () -> this.documents.saveSummary(document.id(), summary));
		return "Processed " + document.id();
	}

	private Document fetch(String id) {
		Document document = this.documents.get(id);
		if (document == null) {
			throw new IllegalStateException("No document with id '" + id + "'");
		}
		return document;
	}

}
