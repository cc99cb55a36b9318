package dev.backgroundjobs.sample.documents;

import java.util.List;
import java.util.Objects;

import dev.backgroundjobs.Batch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Step;

import org.springframework.stereotype.Component;

/**
 * Keeps the search index up to date with uploaded documents, in bulk.
 */
@Component
class DocumentIndexing {

	private final DocumentRepository documents;

	private final SearchIndex index;

	DocumentIndexing(DocumentRepository documents, SearchIndex index) {
		this.documents = documents;
		this.index = index;
	}

	/**
	 * Indexes uploaded documents with one bulk request per batch: once 50 uploads have
	 * arrived, or 10 seconds after the first of them, whichever comes first. Every upload
	 * is in exactly one batch, whichever instance reads it; a failed request is retried
	 * with the same documents.
	 * @param uploads the upload events of the batch
	 * @param step the step API
	 * @return how many documents were indexed
	 */
	@EventHandler(id = "index-documents", event = "api/document.uploaded",
			batch = @Batch(maxSize = 50, timeout = "10s"))
	int index(List<Event<DocumentUploaded>> uploads, Step step) {
		List<Document> found = uploads.stream()
			.map((upload) -> this.documents.get(upload.data().documentId()))
			.filter(Objects::nonNull)
			.toList();
		step.run("bulk-index", () -> this.index.indexAll(found));
		return found.size();
	}

}
