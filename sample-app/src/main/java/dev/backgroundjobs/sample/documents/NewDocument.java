package dev.backgroundjobs.sample.documents;

/**
 * Body of a document upload.
 *
 * @param title the title
 * @param content the text
 * @param userId the id of the uploading user
 */
public record NewDocument(String title, String content, String userId) {

}
