package dev.backgroundjobs.function.invoke;

import java.time.Instant;

/**
 * The triggering event of a run as stored: its payload is still JSON, decoded to the
 * handler's declared type only when the handler is invoked.
 *
 * @param id the event id
 * @param name the event name
 * @param dataJson the payload as JSON
 * @param timestamp when the event happened
 */
public record StoredEvent(String id, String name, String dataJson, Instant timestamp) {

}
