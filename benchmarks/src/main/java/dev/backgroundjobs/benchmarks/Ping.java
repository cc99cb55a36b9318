package dev.backgroundjobs.benchmarks;

/**
 * The payload of every benchmark event.
 *
 * @param sentNanos {@link System#nanoTime()} when publishing began
 */
public record Ping(long sentNanos) {

}
