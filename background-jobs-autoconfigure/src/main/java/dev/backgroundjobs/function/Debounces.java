package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.Debounce;
import org.jspecify.annotations.Nullable;

/**
 * Validates a handler's {@link dev.backgroundjobs.EventHandler#debounce()}, with its
 * property overrides, into a {@link Debouncing}.
 */
final class Debounces {

	private static final String DURATIONS = "\"5s\", \"1m\" or \"1h\"";

	private final Map<String, FlowControlOverrides> overrides;

	Debounces(Map<String, FlowControlOverrides> overrides) {
		this.overrides = Map.copyOf(overrides);
	}

	@Nullable Debouncing resolve(HandlerCandidate candidate, String functionId, List<String> problems) {
		Debounce debounce = candidate.annotation().debounce();
		FlowControlOverrides override = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE);
		if (debounce.period().isBlank() && override.debouncePeriod() == null) {
			if (!debounce.key().isBlank() || !debounce.timeout().isBlank()) {
				problems.add(candidate.problem("attribute 'debounce' sets a key or timeout but no 'period'; set how "
						+ "long no new event must arrive, such as period = \"5s\""));
			}
			else if (override.debounceTimeout() != null) {
				problems.add(candidate.problem("property 'background-jobs.functions." + functionId
						+ ".debounce.timeout' is set, but neither the function nor 'debounce.period' sets a period"));
			}
			return null;
		}
		int before = problems.size();
		Duration period = (override.debouncePeriod() != null) ? override.debouncePeriod() : FlowControlAttributes
			.positiveDuration(candidate, "debounce.period", debounce.period(), DURATIONS, problems);
		Duration timeout = (override.debounceTimeout() != null) ? override.debounceTimeout()
				: debounce.timeout().isBlank() ? null : FlowControlAttributes.positiveDuration(candidate,
						"debounce.timeout", debounce.timeout(), DURATIONS, problems);
		String keyPath = debounce.key().isBlank() ? null
				: FlowControlAttributes.keyPath(candidate, "debounce.key", debounce.key(), "data.documentId", problems);
		if (candidate.annotation().event().length == 0) {
			problems.add(candidate.problem("attribute 'debounce' needs an 'event' trigger: its key is read from the "
					+ "triggering event, and cron ticks start one run each"));
		}
		if (candidate.annotation().throttle().limit() != 0) {
			problems.add(candidate.problem("attribute 'debounce' cannot be combined with 'throttle': a debounced "
					+ "run starts when its burst of events is over; remove one of them"));
		}
		if (candidate.annotation().concurrency().limit() != 0) {
			problems.add(candidate.problem("attribute 'debounce' cannot be combined with 'concurrency': a debounced "
					+ "run waits for its burst to end, not for a slot; remove one of them"));
		}
		if (period != null && timeout != null && timeout.compareTo(period) < 0) {
			problems.add(candidate.problem("attribute 'debounce.timeout' (" + timeout + ") is shorter than its "
					+ "period (" + period + "); use a timeout of at least the period, or none"));
		}
		if (problems.size() > before || period == null) {
			return null;
		}
		return new Debouncing(keyPath, period, timeout);
	}

}
