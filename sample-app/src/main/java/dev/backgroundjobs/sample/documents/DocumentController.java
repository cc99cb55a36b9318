package dev.backgroundjobs.sample.documents;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.backgroundjobs.EventPublisher;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Uploads documents and answers at once; {@link DocumentFunctions} summarises them in the
 * background.
 */
@RestController
@RequestMapping("/api/documents")
class DocumentController {

	private final DocumentRepository documents;

	private final EventPublisher events;

	DocumentController(DocumentRepository documents, EventPublisher events) {
		this.documents = documents;
		this.events = events;
	}

	/**
	 * Stores a document and publishes {@code api/document.uploaded} in one transaction:
	 * the event goes to the transactional outbox with the document, so both commit or
	 * neither does, and it is relayed to the broker right after the commit. The answer
	 * does not wait for the summary.
	 * @param body the document
	 * @return the id of the new document, or 400 with a {@code message} naming a missing
	 * field
	 */
	@PostMapping
	@Transactional
	ResponseEntity<Map<String, Object>> upload(@RequestBody NewDocument body) {
		String missing = missingField(body);
		if (missing != null) {
			return ResponseEntity.badRequest().body(Map.of("message", "'" + missing + "' must not be empty"));
		}
		Document document = this.documents.create(body);
		this.events.send("api/document.uploaded", new DocumentUploaded(document.id(), body.userId()));
		return ResponseEntity.ok(Map.of("documentId", document.id()));
	}

	private static @Nullable String missingField(NewDocument body) {
		Map<String, @Nullable String> fields = new LinkedHashMap<>();
		fields.put("title", body.title());
		fields.put("content", body.content());
		fields.put("userId", body.userId());
		return fields.entrySet()
			.stream()
			.filter((field) -> field.getValue() == null || field.getValue().isBlank())
			.map(Map.Entry::getKey)
			.findFirst()
			.orElse(null);
	}

	/**
	 * Records a reviewer's decision, which resumes the document's {@code await-review}
	 * run.
	 * @param id the document id
	 * @param approved whether the reviewer approves the document
	 * @return the id of the event published
	 */
	@PostMapping("/{id}/review")
	Map<String, Object> review(@PathVariable String id, @RequestParam boolean approved) {
		return Map.of("eventId", this.events.send("api/document.reviewed", new DocumentReviewed(id, approved)));
	}

	/**
	 * Deletes a document and publishes {@code api/document.deleted} in one transaction,
	 * which cancels the document's runs that have not finished: a review nobody needs any
	 * more, a notification about a document that is gone.
	 * @param id the document id
	 * @return the id of the event published
	 */
	@DeleteMapping("/{id}")
	@Transactional
	Map<String, Object> delete(@PathVariable String id) {
		if (!this.documents.delete(id)) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No document with id '" + id + "'");
		}
		return Map.of("eventId", this.events.send("api/document.deleted", new DocumentDeleted(id)));
	}

	/**
	 * Returns a document, with its summary once it has been processed.
	 * @param id the document id
	 * @return the document
	 */
	@GetMapping("/{id}")
	Document get(@PathVariable String id) {
		Document document = this.documents.get(id);
		if (document == null) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No document with id '" + id + "'");
		}
		return document;
	}

}
