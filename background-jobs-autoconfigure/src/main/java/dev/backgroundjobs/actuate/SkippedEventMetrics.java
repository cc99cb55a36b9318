package dev.backgroundjobs.actuate;

import dev.backgroundjobs.kafka.SkippedEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts the events that flow control skipped in Micrometer:
 * {@code background-jobs.runs.skipped} tagged by {@code function} and {@code reason}
 * ({@code idempotency} or {@code rate-limit}).
 */
public final class SkippedEventMetrics implements SkippedEvents {

	private final MeterRegistry registry;

	/**
	 * Creates the metrics.
	 * @param registry the meter registry
	 */
	public SkippedEventMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void skipped(String functionId, String reason, int count) {
		Counter.builder("background-jobs.runs.skipped")
			.description("Events that started no run because the function's idempotency key or rate limit "
					+ "kept them out")
			.tag("function", functionId)
			.tag("reason", reason)
			.register(this.registry)
			.increment(count);
	}

}
