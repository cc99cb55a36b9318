package dev.backgroundjobs.function;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A validated {@link dev.backgroundjobs.Throttle}: at most {@code limit} run starts per
 * {@code period} for each value at {@code keyPath} of the triggering event, spread
 * evenly, with {@code burst} more allowed at once after a quiet spell.
 *
 * @param keyPath the path of the key in the triggering event, or {@code null} for one
 * throttle for all events
 * @param limit most starts per period and key, at least 1
 * @param period the length of a period
 * @param burst extra starts allowed at once, at least 0
 */
public record Throttling(@Nullable String keyPath, int limit, Duration period, int burst) {

}
