package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.Debounce;
import dev.backgroundjobs.json.MatchExpression;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;

/**
 * Validates a handler's {@link dev.backgroundjobs.EventHandler#debounce()}, with its
 * property overrides, into a {@link Debouncing}.
 */
final class Debounces {

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
		Duration period = (override.debouncePeriod() != null) ? override.debouncePeriod()
				: duration(candidate, "debounce.period", debounce.period(), problems);
		Duration timeout = (override.debounceTimeout() != null) ? override.debounceTimeout()
				: debounce.timeout().isBlank() ? null
						: duration(candidate, "debounce.timeout", debounce.timeout(), problems);
		String keyPath = debounce.key().isBlank() ? null : keyPath(candidate, debounce.key(), problems);
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

	private static @Nullable Duration duration(HandlerCandidate candidate, String attribute, String value,
			List<String> problems) {
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(value.strip());
		}
		catch (IllegalArgumentException ex) {
			duration = null;
		}
		if (duration == null || duration.isNegative() || duration.isZero()) {
			problems.add(candidate.problem("attribute '" + attribute + "' is '" + value
					+ "', which is not a positive duration; use a value such as \"5s\", \"1m\" or \"1h\""));
			return null;
		}
		return duration;
	}

	private static @Nullable String keyPath(HandlerCandidate candidate, String value, List<String> problems) {
		if (value.contains("==")) {
			problems.add(candidate.problem("attribute 'debounce.key' is '" + value
					+ "'; use a path of the triggering event, such as 'data.documentId'"));
			return null;
		}
		try {
			return MatchExpression.parse(value).triggerPath();
		}
		catch (IllegalArgumentException ex) {
			problems.add(candidate.problem("attribute 'debounce.key': " + ex.getMessage()));
			return null;
		}
	}

}
