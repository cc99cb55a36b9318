package dev.backgroundjobs.it;

/**
 * Payload of the awaited events.
 *
 * @param documentId the approved document
 * @param approver who approved it
 */
record Approval(String documentId, String approver) {

}
