package dev.backgroundjobs.sample.documents;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Repository;

/**
 * In-memory store of documents, standing in for the application's own persistence.
 */
@Repository
public class DocumentRepository {

	private final Map<String, Document> documents = new ConcurrentHashMap<>();

	/**
	 * Stores a new document under a new id.
	 * @param document the uploaded document
	 * @return the stored document
	 */
	public Document create(NewDocument document) {
		Document created = new Document(UUID.randomUUID().toString(), document.title(), document.content(),
				document.userId(), Instant.now(), null);
		this.documents.put(created.id(), created);
		return created;
	}

	/**
	 * Returns a document.
	 * @param id the document id
	 * @return the document, or {@code null} if there is none with that id
	 */
	public @Nullable Document get(String id) {
		return this.documents.get(id);
	}

	/**
	 * Stores the summary of a document. Saving the same summary again changes nothing, so
	 * the step that calls it may safely run twice.
	 * @param id the document id
	 * @param summary the summary
	 * @throws IllegalArgumentException if there is no document with that id
	 */
	public void saveSummary(String id, String summary) {
		Document updated = this.documents.computeIfPresent(id, (key, document) -> document.withSummary(summary));
		if (updated == null) {
			throw new IllegalArgumentException("No document with id '" + id + "'");
		}
	}

	/**
	 * Counts the documents that have no summary yet.
	 * @return the number of documents waiting for a summary
	 */
	public long countUnsummarized() {
		return this.documents.values().stream().filter((document) -> document.summary() == null).count();
	}

}
