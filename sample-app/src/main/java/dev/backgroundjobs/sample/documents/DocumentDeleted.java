package dev.backgroundjobs.sample.documents;

/**
 * Payload of the {@code api/document.deleted} event, which cancels the document's pending
 * runs.
 *
 * @param documentId the deleted document
 */
public record DocumentDeleted(String documentId) {

}
