package dev.backgroundjobs.engine;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Puts the run, function and step ids in the logging MDC (SLF4J) of the worker thread, so
 * every log line a handler writes carries them. A no-op without SLF4J.
 */
final class LogContext {

	static final String RUN_ID = "runId";

	static final String FUNCTION_ID = "functionId";

	static final String STEP_ID = "stepId";

	private static final boolean SLF4J_PRESENT = ClassUtils.isPresent("org.slf4j.MDC",
			LogContext.class.getClassLoader());

	private LogContext() {
	}

	static void put(String key, String value) {
		if (SLF4J_PRESENT) {
			org.slf4j.MDC.put(key, value);
		}
	}

	/**
	 * Returns a copy of the calling thread's context, to carry over to another thread.
	 * @return the copy, or {@code null} if there is none
	 */
	static @Nullable Map<String, String> copy() {
		return SLF4J_PRESENT ? org.slf4j.MDC.getCopyOfContextMap() : null;
	}

	/**
	 * Replaces the calling thread's context.
	 * @param context a copy taken with {@link #copy()}, or {@code null} to clear it
	 */
	static void set(@Nullable Map<String, String> context) {
		if (SLF4J_PRESENT) {
			if (context != null) {
				org.slf4j.MDC.setContextMap(context);
			}
			else {
				org.slf4j.MDC.clear();
			}
		}
	}

	static void remove(String key) {
		if (SLF4J_PRESENT) {
			org.slf4j.MDC.remove(key);
		}
	}

}
