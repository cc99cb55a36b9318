package dev.backgroundjobs.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.backgroundjobs.outbox.OutboxRelay;
import dev.backgroundjobs.store.OutboxStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;

/**
 * Metrics of the transactional outbox: {@code background-jobs.outbox.backlog} (events
 * committed, not yet relayed) and {@code background-jobs.outbox.oldest-age} in seconds,
 * read from the database at most every 5 seconds; {@code background-jobs.outbox.relay}
 * (from the commit to the broker's acknowledgement) and
 * {@code background-jobs.outbox.relay.failures}.
 */
public final class OutboxMetrics implements OutboxRelay.Observer {

	private static final LogAccessor logger = new LogAccessor(OutboxMetrics.class);

	private static final Duration CACHE_TIME = Duration.ofSeconds(5);

	private final OutboxStore store;

	private final Clock clock;

	private final Timer relay;

	private final Counter failures;

	private OutboxStore.@Nullable Backlog backlog;

	private Instant readAt = Instant.MIN;

	/**
	 * Registers the metrics.
	 * @param registry the registry
	 * @param store the outbox, for its backlog
	 * @param clock the engine's clock, in step with the database's
	 */
	public OutboxMetrics(MeterRegistry registry, OutboxStore store, Clock clock) {
		this.store = store;
		this.clock = clock;
		this.relay = Timer.builder("background-jobs.outbox.relay")
			.description("Time from an outbox event's commit to the broker's acknowledgement")
			.publishPercentileHistogram()
			.register(registry);
		this.failures = Counter.builder("background-jobs.outbox.relay.failures")
			.description("Outbox events the broker did not take; they wait in the outbox")
			.register(registry);
		Gauge.builder("background-jobs.outbox.backlog", this, OutboxMetrics::backlogSize)
			.description("Events committed to the outbox and not yet relayed to the broker")
			.register(registry);
		Gauge.builder("background-jobs.outbox.oldest-age", this, OutboxMetrics::oldestAgeSeconds)
			.description("Age of the oldest event in the outbox")
			.baseUnit("seconds")
			.register(registry);
	}

	@Override
	public void relayed(Duration latency) {
		this.relay.record(latency);
	}

	@Override
	public void failed(Throwable failure) {
		this.failures.increment();
	}

	private synchronized double backlogSize() {
		OutboxStore.Backlog backlog = refresh();
		return (backlog != null) ? backlog.size() : Double.NaN;
	}

	private synchronized double oldestAgeSeconds() {
		OutboxStore.Backlog backlog = refresh();
		if (backlog == null) {
			return Double.NaN;
		}
		Instant oldest = backlog.oldest();
		return (oldest != null) ? Math.max(0, Duration.between(oldest, this.clock.instant()).toMillis() / 1000.0) : 0;
	}

	private OutboxStore.@Nullable Backlog refresh() {
		Instant now = this.clock.instant();
		if (this.backlog == null || !this.readAt.plus(CACHE_TIME).isAfter(now)) {
			try {
				this.backlog = this.store.backlog();
				this.readAt = now;
			}
			catch (RuntimeException ex) {
				logger.debug(ex, "Could not read the outbox backlog for the gauges");
			}
		}
		return this.backlog;
	}

}
