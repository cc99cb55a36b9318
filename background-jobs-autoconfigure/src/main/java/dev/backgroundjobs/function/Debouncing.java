package dev.backgroundjobs.function;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A validated {@link dev.backgroundjobs.Debounce}: one run per burst of events with the
 * same value at {@code keyPath}, started once no new event has arrived for
 * {@code period}, and at the latest {@code timeout} after the burst's first event.
 *
 * @param keyPath the path of the key in the triggering event, or {@code null} for one key
 * for all events
 * @param period how long no new event must arrive
 * @param timeout the longest wait from the burst's first event, or {@code null} for none
 */
public record Debouncing(@Nullable String keyPath, Duration period, @Nullable Duration timeout) {

}
