package dev.backgroundjobs.it;

/**
 * Payload of the events that start a wait.
 *
 * @param documentId the document to approve
 * @param timeoutMillis how long to wait for the approval
 */
record Review(String documentId, long timeoutMillis) {

}
