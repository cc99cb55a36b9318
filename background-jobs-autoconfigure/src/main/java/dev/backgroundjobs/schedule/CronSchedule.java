package dev.backgroundjobs.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import dev.backgroundjobs.function.CronTrigger;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.support.CronExpression;

/**
 * The ticks of one cron-triggered function, and how far this instance has fired them.
 * Confined to the ticker's thread.
 */
final class CronSchedule {

	private final String functionId;

	private final CronExpression expression;

	private final ZoneId zone;

	private @Nullable Instant checkedUntil;

	private boolean interrupted;

	CronSchedule(String functionId, CronTrigger trigger) {
		this.functionId = functionId;
		this.expression = trigger.cronExpression();
		this.zone = trigger.zone();
	}

	String functionId() {
		return this.functionId;
	}

	/**
	 * Returns the name of the events of this function's cron runs.
	 * @return the event name
	 */
	String eventName() {
		return "cron/" + this.functionId;
	}

	/**
	 * Returns when this instance last looked for due ticks, or {@code null} before the
	 * first look.
	 * @return the instant up to which ticks were fired
	 */
	@Nullable Instant checkedUntil() {
		return this.checkedUntil;
	}

	/**
	 * Records that ticks up to the given instant were fired, ending any interruption.
	 * @param instant the instant up to which ticks were fired
	 */
	void checkedUntil(Instant instant) {
		// Never backwards (the clock may step back when re-synchronised): a tick fired
		// twice would be ignored by the store, but need not be recorded twice.
		if (this.checkedUntil == null || instant.isAfter(this.checkedUntil)) {
			this.checkedUntil = instant;
		}
		this.interrupted = false;
	}

	/**
	 * Records that a look at this function failed: the ticks since
	 * {@link #checkedUntil()} were missed.
	 */
	void interrupted() {
		this.interrupted = true;
	}

	/**
	 * Whether a look failed since ticks were last fired.
	 * @return whether ticks were missed
	 */
	boolean wasInterrupted() {
		return this.interrupted;
	}

	/**
	 * Returns the ticks after {@code from} up to and including {@code until}, oldest
	 * first, at most {@code limit} of them.
	 * @param from the exclusive start
	 * @param until the inclusive end
	 * @param limit the most ticks to return
	 * @return the ticks
	 */
	List<Instant> ticksBetween(Instant from, Instant until, int limit) {
		List<Instant> ticks = new ArrayList<>();
		ZonedDateTime tick = this.expression.next(from.atZone(this.zone));
		while (tick != null && !tick.toInstant().isAfter(until) && ticks.size() < limit) {
			ticks.add(tick.toInstant());
			tick = this.expression.next(tick);
		}
		return ticks;
	}

	/**
	 * Returns the latest tick after {@code from} up to and including {@code until}.
	 * Searches back from {@code until} in a growing window, so a long gap costs about as
	 * many steps as there are ticks in the last window, not as there were ticks in the
	 * gap.
	 * @param from the exclusive start
	 * @param until the inclusive end
	 * @return the latest tick, or {@code null} if there is none
	 */
	@Nullable Instant latestTickBetween(Instant from, Instant until) {
		Duration window = Duration.ofSeconds(1);
		while (true) {
			Instant start = until.minus(window);
			boolean whole = !start.isAfter(from);
			List<Instant> ticks = ticksBetween(whole ? from : start, until, Integer.MAX_VALUE);
			if (!ticks.isEmpty()) {
				return ticks.get(ticks.size() - 1);
			}
			if (whole) {
				return null;
			}
			window = window.multipliedBy(2);
		}
	}

}
