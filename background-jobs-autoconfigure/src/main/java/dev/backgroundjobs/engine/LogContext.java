package dev.backgroundjobs.engine;

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

	static void remove(String key) {
		if (SLF4J_PRESENT) {
			org.slf4j.MDC.remove(key);
		}
	}

}
