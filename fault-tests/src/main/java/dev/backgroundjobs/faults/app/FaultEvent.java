package dev.backgroundjobs.faults.app;

/**
 * Payload of every event the suite sends.
 *
 * @param key a unique key, matched by the wait for an approval
 * @param text free text, which may hold bytes a database cannot store
 * @param mode what a fragile step does: {@code ok}, {@code nul-message} (throws an
 * exception whose message holds U+0000) or {@code huge-message} (throws one whose message
 * is over the size limit)
 */
public record FaultEvent(String key, String text, String mode) {

}
