package dev.backgroundjobs.function;

import java.time.Duration;

import dev.backgroundjobs.Timeouts;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;

/**
 * The resolved time limits of a function's runs: its {@link Timeouts} annotation with the
 * per-function properties laid over it. A {@code null} limit is none.
 *
 * @param start longest wait from a run's creation to its first start
 * @param finish longest time from a run's first start to its end
 * @param step longest time of one step attempt
 */
public record RunTimeouts(@Nullable Duration start, @Nullable Duration finish, @Nullable Duration step) {

	/**
	 * No limits.
	 */
	public static final RunTimeouts NONE = new RunTimeouts(null, null, null);

	/**
	 * Reads the limits of an annotation.
	 * @param timeouts the annotation
	 * @return the limits
	 * @throws IllegalArgumentException naming the attribute if a value is not a positive
	 * duration
	 */
	public static RunTimeouts of(Timeouts timeouts) {
		return new RunTimeouts(parse("start", timeouts.start()), parse("finish", timeouts.finish()),
				parse("step", timeouts.step()));
	}

	/**
	 * Returns these limits with the given ones replacing them where set.
	 * @param start the start timeout, or {@code null} to keep this one
	 * @param finish the finish timeout, or {@code null} to keep this one
	 * @param step the step timeout, or {@code null} to keep this one
	 * @return the merged limits
	 */
	public RunTimeouts overriddenBy(@Nullable Duration start, @Nullable Duration finish, @Nullable Duration step) {
		return new RunTimeouts((start != null) ? start : this.start, (finish != null) ? finish : this.finish,
				(step != null) ? step : this.step);
	}

	/**
	 * Writes a duration as people set timeouts: {@code 30s}, {@code 10m}, {@code 1500ms}.
	 * @param duration the duration
	 * @return the text
	 */
	public static String describe(Duration duration) {
		long millis = duration.toMillis();
		long[] units = { 86_400_000, 3_600_000, 60_000, 1000 };
		String[] names = { "d", "h", "m", "s" };
		for (int i = 0; i < units.length; i++) {
			if (millis > 0 && millis % units[i] == 0) {
				return (millis / units[i]) + names[i];
			}
		}
		return millis + "ms";
	}

	private static @Nullable Duration parse(String attribute, String value) {
		if (value.isBlank()) {
			return null;
		}
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(value.strip());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("attribute 'timeouts." + attribute + "' is '" + value
					+ "', which is not a duration; use a value such as \"500ms\", \"30s\", \"10m\" or \"2h\"");
		}
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException("attribute 'timeouts." + attribute + "' is '" + value
					+ "'; use a positive duration, or leave it empty for no timeout");
		}
		return duration;
	}

}
