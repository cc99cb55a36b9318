package dev.backgroundjobs.sample.documents;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The documents, in the application's own table ({@code schema.sql}) on the same
 * DataSource as background-jobs, so a document and the event about it can be written in
 * one transaction.
 */
@Repository
public class DocumentRepository {

	private final JdbcClient jdbc;

	DocumentRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Stores a new document under a new id, in the caller's transaction if there is one.
	 * @param document the uploaded document
	 * @return the stored document
	 */
	public Document create(NewDocument document) {
		Document created = new Document(UUID.randomUUID().toString(), document.title(), document.content(),
				document.userId(), Instant.now(), null, null);
		this.jdbc
			.sql("INSERT INTO documents (id, title, content, user_id, uploaded_at) "
					+ "VALUES (:id, :title, :content, :userId, :uploadedAt)")
			.param("id", created.id())
			.param("title", created.title())
			.param("content", created.content())
			.param("userId", created.userId())
			.param("uploadedAt", OffsetDateTime.ofInstant(created.uploadedAt(), ZoneOffset.UTC))
			.update();
		return created;
	}

	/**
	 * Returns a document.
	 * @param id the document id
	 * @return the document, or {@code null} if there is none with that id
	 */
	public @Nullable Document get(String id) {
		return this.jdbc.sql("SELECT * FROM documents WHERE id = :id")
			.param("id", id)
			.query(DocumentRepository::document)
			.optional()
			.orElse(null);
	}

	/**
	 * Stores the summary of a document. Saving the same summary again changes nothing, so
	 * the step that calls it may safely run twice.
	 * @param id the document id
	 * @param summary the summary
	 * @throws IllegalArgumentException if there is no document with that id
	 */
	public void saveSummary(String id, String summary) {
		int updated = this.jdbc.sql("UPDATE documents SET summary = :summary WHERE id = :id")
			.param("summary", summary)
			.param("id", id)
			.update();
		if (updated == 0) {
			throw new IllegalArgumentException("No document with id '" + id + "'");
		}
	}

	/**
	 * Records why processing a document failed for good. Recording it again changes
	 * nothing, so the step that calls it may safely run twice.
	 * @param id the document id
	 * @param failure why processing failed
	 */
	public void markFailed(String id, String failure) {
		this.jdbc.sql("UPDATE documents SET failure = :failure WHERE id = :id")
			.param("failure", failure)
			.param("id", id)
			.update();
	}

	/**
	 * Deletes a document, in the caller's transaction if there is one.
	 * @param id the document id
	 * @return whether there was a document with that id
	 */
	public boolean delete(String id) {
		return this.jdbc.sql("DELETE FROM documents WHERE id = :id").param("id", id).update() == 1;
	}

	/**
	 * Counts the documents that have no summary yet.
	 * @return the number of documents waiting for a summary
	 */
	public long countUnsummarized() {
		return this.jdbc.sql("SELECT COUNT(*) FROM documents WHERE summary IS NULL").query(Long.class).single();
	}

	private static Document document(ResultSet rs, int row) throws SQLException {
		return new Document(rs.getString("id"), rs.getString("title"), rs.getString("content"), rs.getString("user_id"),
				rs.getObject("uploaded_at", OffsetDateTime.class).toInstant(), rs.getString("summary"),
				rs.getString("failure"));
	}

}
