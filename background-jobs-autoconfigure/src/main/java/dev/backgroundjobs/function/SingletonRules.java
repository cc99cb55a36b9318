package dev.backgroundjobs.function;

import java.util.List;
import java.util.Map;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Singleton;
import org.jspecify.annotations.Nullable;

/**
 * Validates a handler's {@link EventHandler#singleton()}, with its property override,
 * into a {@link SingletonRule}.
 */
final class SingletonRules {

	private final Map<String, FlowControlOverrides> overrides;

	SingletonRules(Map<String, FlowControlOverrides> overrides) {
		this.overrides = Map.copyOf(overrides);
	}

	@Nullable SingletonRule resolve(HandlerCandidate candidate, String functionId, List<String> problems) {
		Singleton singleton = candidate.annotation().singleton();
		FlowControlOverrides override = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE);
		Singleton.Mode mode = (override.singletonMode() != null) ? override.singletonMode() : singleton.mode();
		if (singleton.mode() == Singleton.Mode.NONE && !singleton.key().isBlank()) {
			problems.add(candidate.problem("attribute 'singleton' sets a key but no mode; write mode = "
					+ "Singleton.Mode.SKIP to skip events while a run of the key is unfinished, or "
					+ "Singleton.Mode.CANCEL to cancel that run"));
			return null;
		}
		if (mode == Singleton.Mode.NONE) {
			return null;
		}
		String path = null;
		if (!singleton.key().isBlank()) {
			path = FlowControlAttributes.keyPath(candidate, "singleton.key", singleton.key(), "data.userId", problems);
			if (path == null) {
				return null;
			}
		}
		if (candidate.annotation().event().length == 0) {
			problems.add(candidate.problem("attribute 'singleton' needs an 'event' trigger: its runs are limited "
					+ "when events arrive, and its key is read from the triggering event"));
			return null;
		}
		return new SingletonRule(path, mode);
	}

}
