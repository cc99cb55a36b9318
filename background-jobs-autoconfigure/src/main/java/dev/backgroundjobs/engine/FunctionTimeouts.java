package dev.backgroundjobs.engine;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.function.RunTimeouts;

import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * The time limits of each function: those of its {@code @EventHandler(timeouts = ...)},
 * with the per-function properties laid over them. Resolved once per function, on first
 * use, as functions are registered while the context starts.
 */
public final class FunctionTimeouts {

	private final FunctionRegistry functions;

	private final Map<String, RunTimeouts> overrides;

	private final Map<String, RunTimeouts> resolved = new ConcurrentHashMap<>();

	/**
	 * Creates the limits.
	 * @param functions the registered functions
	 * @param overrides limits set by properties, by function id; a {@code null} limit in
	 * them keeps the annotation's
	 */
	public FunctionTimeouts(FunctionRegistry functions, Map<String, RunTimeouts> overrides) {
		this.functions = functions;
		this.overrides = Map.copyOf(overrides);
	}

	/**
	 * Returns the limits of a function.
	 * @param functionId the function id
	 * @return its limits, {@link RunTimeouts#NONE} for an unknown function
	 */
	public RunTimeouts of(String functionId) {
		return this.resolved.computeIfAbsent(functionId, this::resolve);
	}

	/**
	 * Returns the limits of every registered function that has a start or a finish
	 * timeout.
	 * @return the limits by function id
	 */
	public Map<String, RunTimeouts> withRunLimits() {
		Map<String, RunTimeouts> limited = new LinkedHashMap<>();
		for (FunctionDefinition function : this.functions.functions()) {
			RunTimeouts timeouts = of(function.id());
			if (timeouts.start() != null || timeouts.finish() != null) {
				limited.put(function.id(), timeouts);
			}
		}
		return limited;
	}

	/**
	 * Returns the error recorded on a run cancelled by its start timeout.
	 * @param timeout the start timeout
	 * @return the reason
	 */
	public static String startTimeoutPassed(Duration timeout) {
		return "cancelled: start timeout of " + RunTimeouts.describe(timeout) + " passed";
	}

	/**
	 * Returns the error recorded on a run cancelled by its finish timeout.
	 * @param timeout the finish timeout
	 * @return the reason
	 */
	public static String finishTimeoutPassed(Duration timeout) {
		return "cancelled: finish timeout of " + RunTimeouts.describe(timeout) + " passed";
	}

	private RunTimeouts resolve(String functionId) {
		FunctionDefinition function = this.functions.find(functionId);
		RunTimeouts timeouts = RunTimeouts.NONE;
		if (function != null) {
			EventHandler annotation = AnnotatedElementUtils.findMergedAnnotation(function.method(), EventHandler.class);
			if (annotation != null) {
				timeouts = RunTimeouts.of(annotation.timeouts());
			}
		}
		RunTimeouts override = this.overrides.get(functionId);
		return (override != null) ? timeouts.overriddenBy(override.start(), override.finish(), override.step())
				: timeouts;
	}

}
