package dev.backgroundjobs.actuate;

import dev.backgroundjobs.schedule.RetentionCleaner;
import dev.backgroundjobs.store.RetentionStore.Deleted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts the rows retention deletes in Micrometer:
 * {@code background-jobs.retention.deleted} tagged by {@code kind}, one of {@code runs},
 * {@code steps}, {@code event-waits}, {@code invocations} and {@code dead-letters}. The
 * counters exist from start-up, at 0, so a dashboard shows retention before its first
 * deletion.
 */
public final class RetentionMetrics implements RetentionCleaner.Listener {

	private final Counter runs;

	private final Counter steps;

	private final Counter eventWaits;

	private final Counter invocations;

	private final Counter deadLetters;

	/**
	 * Creates the metrics.
	 * @param registry the meter registry
	 */
	public RetentionMetrics(MeterRegistry registry) {
		this.runs = counter(registry, "runs");
		this.steps = counter(registry, "steps");
		this.eventWaits = counter(registry, "event-waits");
		this.invocations = counter(registry, "invocations");
		this.deadLetters = counter(registry, "dead-letters");
	}

	@Override
	public void deleted(Deleted deleted) {
		this.runs.increment(deleted.runs());
		this.steps.increment(deleted.steps());
		this.eventWaits.increment(deleted.eventWaits());
		this.invocations.increment(deleted.invocations());
		this.deadLetters.increment(deleted.deadLetters());
	}

	private static Counter counter(MeterRegistry registry, String kind) {
		return Counter.builder("background-jobs.retention.deleted")
			.description("Rows deleted because they were past their retention")
			.tag("kind", kind)
			.register(registry);
	}

}
