package dev.backgroundjobs;

/**
 * Identity of the run a handler is executing.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param eventId the id of the triggering event
 * @param attempt the execution attempt, starting at 1; it grows each time the run is
 * resumed after a retry backoff, a lease takeover or a replay
 */
public record RunContext(String runId, String functionId, String eventId, int attempt) {

}
