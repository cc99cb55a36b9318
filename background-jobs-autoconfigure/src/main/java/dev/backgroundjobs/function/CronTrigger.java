package dev.backgroundjobs.function;

import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

import org.springframework.scheduling.support.CronExpression;
import org.springframework.util.StringUtils;

/**
 * Starts a run at each tick of a cron schedule.
 *
 * @param expression the expression as written on the annotation
 * @param zone the zone the expression is evaluated in
 */
public record CronTrigger(String expression, ZoneId zone) implements Trigger {

	/**
	 * The supported macros, each equivalent to a cron expression.
	 */
	public static final List<String> MACROS = List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily",
			"@midnight", "@hourly");

	/**
	 * Parses this trigger's expression.
	 * @return the schedule
	 * @see #parse(String)
	 */
	public CronExpression cronExpression() {
		return parse(this.expression);
	}

	/**
	 * Parses a cron expression written as 5-field Unix cron (minute precision, so the
	 * seconds field is 0), 6-field Spring cron (with seconds) or one of the
	 * {@link #MACROS macros}.
	 * @param expression the expression
	 * @return the schedule
	 * @throws IllegalArgumentException with the reason if the expression is not valid
	 */
	public static CronExpression parse(String expression) {
		String trimmed = expression.trim();
		if (trimmed.startsWith("@")) {
			if (!MACROS.contains(trimmed.toLowerCase(Locale.ROOT))) {
				throw new IllegalArgumentException("unknown macro; use one of " + String.join(", ", MACROS));
			}
			return CronExpression.parse(trimmed.toLowerCase(Locale.ROOT));
		}
		String[] fields = StringUtils.tokenizeToStringArray(trimmed, " \t");
		if (fields.length == 5) {
			return parseSpringCron("0 " + trimmed);
		}
		if (fields.length == 6) {
			return parseSpringCron(trimmed);
		}
		throw new IllegalArgumentException("found " + fields.length + " fields; use 5 fields (Unix cron, "
				+ "'0 * * * *'), 6 fields (Spring cron with seconds, '0 0 * * * *') or a macro such as '@hourly'");
	}

	private static CronExpression parseSpringCron(String expression) {
		try {
			return CronExpression.parse(expression);
		}
		catch (IllegalArgumentException ex) {
			// Spring's message quotes the expression it parsed, which for Unix cron is
			// not
			// the one the user wrote: keep only the reason.
			Throwable reason = (ex.getCause() != null) ? ex.getCause() : ex;
			throw new IllegalArgumentException(reason.getMessage(), ex);
		}
	}

}
