package dev.backgroundjobs.sample.documents;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A stored document and, once it has been processed, its summary.
 *
 * @param id the document id
 * @param title the title
 * @param content the text
 * @param userId the id of the user who uploaded it
 * @param uploadedAt when it was uploaded
 * @param summary the summary, or {@code null} until it has been processed
 * @param failure why processing failed for good, or {@code null}
 */
public record Document(String id, String title, String content, String userId, Instant uploadedAt,
		@Nullable String summary, @Nullable String failure) {

	/**
	 * Returns a copy of this document with the given summary.
	 * @param summary the summary
	 * @return the copy
	 */
	public Document withSummary(String summary) {
		return new Document(this.id, this.title, this.content, this.userId, this.uploadedAt, summary, this.failure);
	}

}
