package dev.backgroundjobs.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.core.log.LogAccessor;

/**
 * Gauges of the runs in the database: {@code background-jobs.runs.current} tagged by
 * {@code status}, and {@code background-jobs.dead-letters}. The counts come from one
 * query each, cached briefly so that several gauges read in one scrape cost one round
 * trip.
 */
public final class RunCountGauges implements MeterBinder {

	private static final LogAccessor logger = new LogAccessor(RunCountGauges.class);

	private static final Duration CACHE_TIME = Duration.ofSeconds(5);

	private final RunStore runStore;

	private final DeadLetterStore deadLetterStore;

	private final Clock clock;

	private Map<RunStatus, Long> counts = new EnumMap<>(RunStatus.class);

	private long deadLetters;

	private Instant readAt = Instant.MIN;

	/**
	 * Creates the gauges.
	 * @param runStore counts runs
	 * @param deadLetterStore counts dead letters
	 * @param clock decides when the cache is stale
	 */
	public RunCountGauges(RunStore runStore, DeadLetterStore deadLetterStore, Clock clock) {
		this.runStore = runStore;
		this.deadLetterStore = deadLetterStore;
		this.clock = clock;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (RunStatus status : RunStatus.values()) {
			Gauge.builder("background-jobs.runs.current", this, (gauges) -> gauges.count(status))
				.description("Runs in the database by status")
				.tag("status", status.name())
				.register(registry);
		}
		Gauge.builder("background-jobs.dead-letters", this, RunCountGauges::deadLetters)
			.description("Dead letters waiting for replay")
			.register(registry);
	}

	private synchronized double count(RunStatus status) {
		refresh();
		return this.counts.getOrDefault(status, 0L);
	}

	private synchronized double deadLetters() {
		refresh();
		return this.deadLetters;
	}

	private void refresh() {
		Instant now = this.clock.instant();
		if (this.readAt.plus(CACHE_TIME).isAfter(now)) {
			return;
		}
		try {
			this.counts = new EnumMap<>(this.runStore.countByStatus());
			this.deadLetters = this.deadLetterStore.count();
			this.readAt = now;
		}
		catch (RuntimeException ex) {
			logger.debug(ex, "Could not count runs for the gauges");
		}
	}

}
