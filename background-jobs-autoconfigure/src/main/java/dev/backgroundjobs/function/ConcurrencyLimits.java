package dev.backgroundjobs.function;

import java.util.List;
import java.util.Map;

import dev.backgroundjobs.Concurrency;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Priority;
import org.jspecify.annotations.Nullable;

/**
 * Validates a handler's {@link EventHandler#concurrency()} and
 * {@link EventHandler#priority()}, with the property override of the limit, into a
 * {@link ConcurrencyLimit}.
 */
final class ConcurrencyLimits {

	private final Map<String, FlowControlOverrides> overrides;

	ConcurrencyLimits(Map<String, FlowControlOverrides> overrides) {
		this.overrides = Map.copyOf(overrides);
	}

	@Nullable ConcurrencyLimit resolve(HandlerCandidate candidate, String functionId, List<String> problems) {
		EventHandler annotation = candidate.annotation();
		Concurrency concurrency = annotation.concurrency();
		Integer override = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE).concurrencyLimit();
		int limit = (override != null) ? override : concurrency.limit();
		RunPriority priority = priority(candidate, annotation.priority(), problems);
		if (concurrency.limit() == 0 && override == null) {
			if (!concurrency.key().isBlank()) {
				problems.add(candidate.problem("attribute 'concurrency' sets a key but no 'limit'"));
			}
			else if (priority != null) {
				problems.add(candidate.problem("attribute 'priority' orders the runs waiting for a concurrency slot, "
						+ "but the function declares no 'concurrency' limit; add one, such as "
						+ "concurrency = @Concurrency(limit = 10)"));
			}
			return null;
		}
		if (limit <= 0) {
			problems.add(candidate.problem(
					((override != null) ? "property 'background-jobs.functions." + functionId + ".concurrency.limit'"
							: "attribute 'concurrency.limit'") + " is " + limit + "; use a positive limit"));
			return null;
		}
		String keyPath = null;
		if (!concurrency.key().isBlank()) {
			keyPath = FlowControlAttributes.keyPath(candidate, "concurrency.key", concurrency.key(), "data.customerId",
					problems);
			if (keyPath == null) {
				return null;
			}
		}
		FlowControlOverrides overrides = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE);
		if (annotation.batch().maxSize() != 0 || overrides.batchMaxSize() != null) {
			problems.add(candidate.problem("attribute 'concurrency' cannot be combined with 'batch': the run of a "
					+ "batch starts when the batch is full or due, not through a concurrency slot; remove one of them"));
			return null;
		}
		if (annotation.event().length == 0) {
			problems.add(candidate.problem("attribute 'concurrency' needs an 'event' trigger: runs are limited "
					+ "when the events that start them are recorded"));
			return null;
		}
		return new ConcurrencyLimit(limit, keyPath, priority);
	}

	private static @Nullable RunPriority priority(HandlerCandidate candidate, Priority priority,
			List<String> problems) {
		if (priority.aheadSeconds().isBlank()) {
			return null;
		}
		try {
			return RunPriority.parse(priority.aheadSeconds());
		}
		catch (IllegalArgumentException ex) {
			problems.add(candidate.problem("attribute 'priority.aheadSeconds' is '" + priority.aheadSeconds()
					+ "', which is not a valid expression (" + ex.getMessage()
					+ "); write one that gives seconds, such as \"data.plan == 'enterprise' ? 120 : 0\""));
			return null;
		}
	}

}
