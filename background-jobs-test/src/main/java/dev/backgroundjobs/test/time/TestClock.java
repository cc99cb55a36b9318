package dev.backgroundjobs.test.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.backgroundjobs.jdbc.JdbcTimerShift;
import dev.backgroundjobs.schedule.CronTicker;
import dev.backgroundjobs.schedule.DueWorkPoller;
import dev.backgroundjobs.schedule.TimerOffset;

import org.springframework.util.Assert;

/**
 * Moves the engine's time forward in an integration test, so that a one-hour
 * {@code step.sleep}, a one-day {@code waitForEvent} timeout, a retry backoff or the next
 * cron tick falls due at once. <pre class="code">
 * runs.await("notify-owner", eventId, RunStatus.SLEEPING);
 * clock.advance(Duration.ofHours(1));
 * runs.await("notify-owner", eventId, RunStatus.COMPLETED);
 * </pre>
 * <p>
 * Timers run on a clock of their own that runs ahead of the database's clock by the total
 * of every {@link #advance advance} (a {@link TimerOffset}). Wake times and wait
 * deadlines stored in the database stay in real database time and are moved earlier by
 * the same amount, so each falls due at the same moment of that clock, whether it was set
 * before or after the advance. Leases and fencing keep the database's real clock:
 * advancing never expires a lease, so a run that is executing is not taken over, and a
 * run's fencing token changes only when it is claimed, as in production.
 * <p>
 * While moving the time, {@link #advance} lets the cron ticker look at every tick in
 * between, so that each starts its run (a week on a five-minute cron is 2016 runs), and
 * then runs the due-work poller once, instead of waiting for its next turn. The runs they
 * start execute in the background: await their status with
 * {@link dev.backgroundjobs.test.runs.TestRuns}. Advance while the runs of interest are
 * parked (sleeping or waiting), not while they execute: a run that parks during an
 * advance may miss it.
 */
public final class TestClock {

	private final Clock clock;

	private final TimerOffset offset;

	private final JdbcTimerShift timers;

	private final CronTicker cronTicker;

	private final DueWorkPoller dueWork;

	private final Duration tickStep;

	/**
	 * Creates a test clock.
	 * @param clock the engine's timer clock, which runs ahead by {@code offset}
	 * @param offset how far the engine's timers run ahead of the database's clock
	 * @param timers moves the stored timers
	 * @param cronTicker starts the runs of due cron ticks
	 * @param dueWork starts the runs that are due
	 * @param tickStep how far before each cron tick the cron ticker looks once more: less
	 * than half the lease, so that the ticker never takes the step onto a tick for an
	 * outage
	 */
	public TestClock(Clock clock, TimerOffset offset, JdbcTimerShift timers, CronTicker cronTicker,
			DueWorkPoller dueWork, Duration tickStep) {
		Assert.notNull(clock, "'clock' must not be null");
		Assert.notNull(offset, "'offset' must not be null");
		Assert.notNull(timers, "'timers' must not be null");
		Assert.notNull(cronTicker, "'cronTicker' must not be null");
		Assert.notNull(dueWork, "'dueWork' must not be null");
		this.clock = clock;
		this.offset = offset;
		this.timers = timers;
		this.cronTicker = cronTicker;
		this.dueWork = dueWork;
		Assert.isTrue(tickStep != null && !tickStep.isNegative() && !tickStep.isZero(), "'tickStep' must be positive");
		this.tickStep = tickStep;
	}

	/**
	 * Returns the engine's current time: the database's time plus every advance.
	 * @return the current time of the engine's timers
	 */
	public Instant instant() {
		return this.clock.instant();
	}

	/**
	 * Returns how far the engine's timers run ahead of the database's clock.
	 * @return the total of every advance
	 */
	public Duration ahead() {
		return this.offset.get();
	}

	/**
	 * Moves time forward and starts the work that fell due: cron ticks, and sleeping and
	 * waiting runs whose time has come.
	 * @param duration how far; must not be negative
	 */
	public void advance(Duration duration) {
		Assert.notNull(duration, "'duration' must not be null");
		Assert.isTrue(!duration.isNegative(), () -> "'duration' must not be negative, but was " + duration);
		Duration before = this.offset.get();
		Instant target = this.clock.instant().plus(duration);
		this.cronTicker.tickNow();
		Instant tick = this.cronTicker.nextTickAfter(this.clock.instant());
		while (tick != null && !tick.isAfter(target)) {
			// Up to a step before the tick, then onto it: the ticker sees no gap longer
			// than a lease with a tick in it (which it would take for an outage), so
			// every tick in between starts its run, as it would have.
			moveTo(tick.minus(this.tickStep));
			this.cronTicker.tickNow();
			moveTo(tick);
			this.cronTicker.tickNow();
			tick = this.cronTicker.nextTickAfter(tick);
		}
		moveTo(target);
		this.cronTicker.tickNow();
		this.timers.shiftEarlier(this.offset.get().minus(before));
		this.dueWork.pollNow();
	}

	private void moveTo(Instant time) {
		Duration forward = Duration.between(this.clock.instant(), time);
		if (!forward.isNegative() && !forward.isZero()) {
			this.offset.advance(forward);
		}
	}

	/**
	 * Starts the work that is due now without moving time: the runs of due cron ticks and
	 * of parked runs whose time has come, as the engine's loops would at their next turn.
	 */
	public void runDueWork() {
		this.cronTicker.tickNow();
		this.dueWork.pollNow();
	}

}
