package dev.backgroundjobs.function;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A validated {@link dev.backgroundjobs.Batch}: a function's events wait for their batch
 * until it holds {@code maxSize} events or {@code timeout} has passed since its first
 * event, each value at {@code keyPath} of the events having batches of its own.
 *
 * @param maxSize most events per batch, at least 1
 * @param timeout longest wait of a batch from its first event
 * @param keyPath the path of the key in the events, or {@code null} for one stream of
 * batches for all events
 */
public record BatchSettings(int maxSize, Duration timeout, @Nullable String keyPath) {

	/**
	 * Largest {@code maxSize} accepted: the events of a batch are stored together as the
	 * data of its run.
	 */
	public static final int MAX_SIZE = 10_000;

}
