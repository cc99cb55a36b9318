package dev.backgroundjobs.sample.documents;

/**
 * Payload of the {@code api/document.uploaded} event. It carries ids only: the handler
 * reads the document itself, so the event stays small.
 *
 * @param documentId the id of the uploaded document
 * @param userId the id of the uploading user
 */
public record DocumentUploaded(String documentId, String userId) {

}
