package dev.backgroundjobs.function;

import java.time.Duration;
import java.util.List;

import dev.backgroundjobs.json.MatchExpression;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;

/**
 * Reads the attributes that the flow-control annotations of {@code @EventHandler} share
 * (key paths and periods), so that each kind reports a bad value in the same words.
 * Problems are added to a list rather than thrown, so start-up reports every problem of
 * every handler at once.
 */
final class FlowControlAttributes {

	private FlowControlAttributes() {
	}

	/**
	 * Reads a key: a path of the triggering event in the language of
	 * {@code waitForEvent}, such as {@code data.customerId}.
	 * @param candidate the handler
	 * @param attribute the attribute's name, such as {@code throttle.key}
	 * @param value the attribute's value
	 * @param example a path to suggest in the message, such as {@code data.customerId}
	 * @param problems where a problem is added
	 * @return the path, or {@code null} after adding a problem
	 */
	static @Nullable String keyPath(HandlerCandidate candidate, String attribute, String value, String example,
			List<String> problems) {
		if (value.contains("==")) {
			problems.add(candidate.problem("attribute '" + attribute + "' is '" + value
					+ "'; use a path of the triggering event, such as '" + example + "'"));
			return null;
		}
		try {
			return MatchExpression.parse(value).triggerPath();
		}
		catch (IllegalArgumentException ex) {
			problems.add(candidate.problem("attribute '" + attribute + "': " + ex.getMessage()));
			return null;
		}
	}

	/**
	 * Reads a positive duration, such as {@code "30s"} or {@code "PT1M"}.
	 * @param candidate the handler
	 * @param attribute the attribute's name, such as {@code debounce.period}
	 * @param value the attribute's value
	 * @param examples values to suggest in the message, such as
	 * {@code "5s", "1m" or "1h"}
	 * @param problems where a problem is added
	 * @return the duration, or {@code null} after adding a problem
	 */
	static @Nullable Duration positiveDuration(HandlerCandidate candidate, String attribute, String value,
			String examples, List<String> problems) {
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(value.strip());
		}
		catch (IllegalArgumentException ex) {
			duration = null;
		}
		if (duration == null || duration.isNegative() || duration.isZero()) {
			problems.add(candidate.problem("attribute '" + attribute + "' is '" + value
					+ "', which is not a positive duration; use a value such as " + examples));
			return null;
		}
		return duration;
	}

}
