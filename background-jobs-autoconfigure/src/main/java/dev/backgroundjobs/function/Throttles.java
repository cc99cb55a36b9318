package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Throttle;
import org.jspecify.annotations.Nullable;

/**
 * Validates a handler's {@link EventHandler#throttle()}, with its property overrides,
 * into a {@link Throttling}.
 */
final class Throttles {

	private final Map<String, FlowControlOverrides> overrides;

	Throttles(Map<String, FlowControlOverrides> overrides) {
		this.overrides = Map.copyOf(overrides);
	}

	@Nullable Throttling resolve(HandlerCandidate candidate, String functionId, List<String> problems) {
		Throttle throttle = candidate.annotation().throttle();
		FlowControlOverrides override = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE);
		String property = "property 'background-jobs.functions." + functionId + ".throttle.";
		if (throttle.limit() == 0 && override.throttleLimit() == null) {
			if (!throttle.key().isBlank() || !throttle.period().isBlank() || throttle.burst() != 0) {
				problems.add(candidate.problem("attribute 'throttle' sets a key, period or burst but no 'limit'; "
						+ "set the most starts per period, such as limit = 10"));
			}
			else if (override.throttlePeriod() != null || override.throttleBurst() != null) {
				problems.add(candidate.problem(property + "period' or 'throttle.burst' is set, but neither the "
						+ "function nor 'throttle.limit' sets a limit"));
			}
			return null;
		}
		int before = problems.size();
		int limit = (override.throttleLimit() != null) ? override.throttleLimit() : throttle.limit();
		if (limit <= 0) {
			problems.add(candidate.problem("attribute 'throttle.limit' is " + limit + "; use a positive limit"));
		}
		int burst = (override.throttleBurst() != null) ? override.throttleBurst() : throttle.burst();
		if (burst < 0) {
			problems.add(candidate.problem("attribute 'throttle.burst' is " + burst
					+ "; use 0 for evenly spaced starts or a positive number of extra starts"));
		}
		Duration period = (override.throttlePeriod() != null) ? override.throttlePeriod()
				: period(candidate, throttle.period(), problems);
		String keyPath = throttle.key().isBlank() ? null
				: FlowControlAttributes.keyPath(candidate, "throttle.key", throttle.key(), "data.customerId", problems);
		if (candidate.annotation().event().length == 0) {
			problems.add(candidate.problem("attribute 'throttle' needs an 'event' trigger: its key is read from the "
					+ "triggering event, and cron ticks start one run each"));
		}
		if (problems.size() > before || period == null) {
			return null;
		}
		if (period.toNanos() / limit < 1_000) {
			problems.add(candidate.problem("attribute 'throttle' allows " + limit + " starts per " + period
					+ ", more than one per microsecond; use a lower limit or a longer period"));
			return null;
		}
		return new Throttling(keyPath, limit, period, burst);
	}

	private static @Nullable Duration period(HandlerCandidate candidate, String value, List<String> problems) {
		if (value.isBlank()) {
			problems.add(candidate.problem("attribute 'throttle.period' is empty; set the period of the limit, "
					+ "such as \"1s\", \"1m\" or \"1h\""));
			return null;
		}
		return FlowControlAttributes.positiveDuration(candidate, "throttle.period", value, "\"1s\", \"1m\" or \"1h\"",
				problems);
	}

}
