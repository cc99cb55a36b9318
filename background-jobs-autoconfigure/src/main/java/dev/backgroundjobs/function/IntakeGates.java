package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Idempotency;
import dev.backgroundjobs.RateLimit;
import org.jspecify.annotations.Nullable;

/**
 * Validates a handler's {@link EventHandler#idempotency()} and
 * {@link EventHandler#rateLimit()}, with their property overrides, into {@link IntakeGate
 * gates}.
 */
final class IntakeGates {

	private static final String DURATIONS = "\"30s\", \"10m\" or \"24h\"";

	private final Map<String, FlowControlOverrides> overrides;

	IntakeGates(Map<String, FlowControlOverrides> overrides) {
		this.overrides = Map.copyOf(overrides);
	}

	List<IntakeGate> resolve(HandlerCandidate candidate, String functionId, List<String> problems) {
		EventHandler annotation = candidate.annotation();
		FlowControlOverrides override = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE);
		List<IntakeGate> gates = new ArrayList<>();
		Idempotency idempotency = annotation.idempotency();
		if (!idempotency.key().isBlank()) {
			String path = FlowControlAttributes.keyPath(candidate, "idempotency.key", idempotency.key(), "data.orderId",
					problems);
			Duration window = (override.idempotencyWindow() != null) ? override.idempotencyWindow()
					: FlowControlAttributes.positiveDuration(candidate, "idempotency.window", idempotency.window(),
							DURATIONS, problems);
			if (path != null && window != null) {
				gates.add(new IntakeGate(IntakeGate.Kind.IDEMPOTENCY, path, 1, window));
			}
		}
		else if (override.idempotencyWindow() != null) {
			problems.add(candidate.problem("property 'background-jobs.functions." + functionId
					+ ".idempotency.window' is set, but the function declares no 'idempotency' key"));
		}
		RateLimit rateLimit = annotation.rateLimit();
		int limit = (override.rateLimit() != null) ? override.rateLimit() : rateLimit.limit();
		if (rateLimit.limit() > 0 || override.rateLimit() != null) {
			if (limit <= 0) {
				problems.add(candidate.problem("attribute 'rateLimit.limit' is " + limit + "; use a positive limit"));
			}
			String path = rateLimit.key().isBlank() ? null : FlowControlAttributes.keyPath(candidate, "rateLimit.key",
					rateLimit.key(), "data.customerId", problems);
			Duration period = (override.ratePeriod() != null) ? override.ratePeriod()
					: rateLimit.period().isBlank() ? missingPeriod(candidate, problems) : FlowControlAttributes
						.positiveDuration(candidate, "rateLimit.period", rateLimit.period(), DURATIONS, problems);
			if (limit > 0 && period != null && (rateLimit.key().isBlank() || path != null)) {
				gates.add(new IntakeGate(IntakeGate.Kind.RATE_LIMIT, path, limit, period));
			}
		}
		else if (rateLimit.limit() < 0) {
			problems.add(candidate
				.problem("attribute 'rateLimit.limit' is " + rateLimit.limit() + "; use a positive limit"));
		}
		else if (!rateLimit.key().isBlank() || !rateLimit.period().isBlank()) {
			problems.add(candidate.problem("attribute 'rateLimit' sets a key or period but no 'limit'"));
		}
		else if (override.ratePeriod() != null) {
			problems.add(candidate.problem("property 'background-jobs.functions." + functionId
					+ ".rate-limit.period' is set, but neither the function nor 'rate-limit.limit' sets a limit"));
		}
		if (!gates.isEmpty() && annotation.event().length == 0) {
			problems.add(candidate.problem("attributes 'idempotency' and 'rateLimit' need an 'event' trigger: "
					+ "their keys are read from the triggering event"));
		}
		return List.copyOf(gates);
	}

	private static @Nullable Duration missingPeriod(HandlerCandidate candidate, List<String> problems) {
		problems.add(candidate.problem("attribute 'rateLimit.period' is empty; set the period of the limit, "
				+ "such as \"1s\", \"1m\" or \"1h\""));
		return null;
	}

}
