package dev.backgroundjobs.benchmarks;

/**
 * The payload of the W2 events to the function with a concurrency key.
 *
 * @param sentNanos {@link System#nanoTime()} when publishing began
 * @param key the value of the function's concurrency key
 */
public record KeyedPing(long sentNanos, String key) {

}
