package dev.backgroundjobs.engine;

import java.util.HashSet;
import java.util.Set;

/**
 * Renders a failure for storage: the exception and its causes, each with its first stack
 * frames, short enough to keep in a row and read in the Actuator endpoint.
 */
public final class ErrorSummary {

	private static final int FRAMES_PER_THROWABLE = 8;

	private static final int MAX_LENGTH = 8_000;

	private ErrorSummary() {
	}

	/**
	 * Summarises a failure.
	 * @param failure the failure
	 * @return the summary
	 */
	public static String of(Throwable failure) {
		StringBuilder summary = new StringBuilder();
		Set<Throwable> seen = new HashSet<>();
		Throwable current = failure;
		while (current != null && seen.add(current)) {
			if (!summary.isEmpty()) {
				summary.append("Caused by: ");
			}
			summary.append(current).append('\n');
			StackTraceElement[] frames = current.getStackTrace();
			for (int i = 0; i < Math.min(FRAMES_PER_THROWABLE, frames.length); i++) {
				summary.append("\tat ").append(frames[i]).append('\n');
			}
			if (frames.length > FRAMES_PER_THROWABLE) {
				summary.append("\t... ").append(frames.length - FRAMES_PER_THROWABLE).append(" more\n");
			}
			current = current.getCause();
		}
		return (summary.length() > MAX_LENGTH) ? summary.substring(0, MAX_LENGTH) : summary.toString();
	}

}
