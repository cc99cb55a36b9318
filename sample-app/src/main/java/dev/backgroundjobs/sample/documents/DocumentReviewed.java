package dev.backgroundjobs.sample.documents;

/**
 * Payload of the {@code api/document.reviewed} event.
 *
 * @param documentId the reviewed document
 * @param approved whether the reviewer approved it
 */
public record DocumentReviewed(String documentId, boolean approved) {

}
