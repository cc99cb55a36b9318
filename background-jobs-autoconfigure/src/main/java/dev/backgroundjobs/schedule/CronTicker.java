package dev.backgroundjobs.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.function.CronTrigger;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;

/**
 * Starts the runs of cron-triggered functions: one run per tick across all instances.
 * <p>
 * Every instance computes the same ticks and records a run for each with the
 * deterministic event id {@code cron:<function id>:<tick>}. The unique
 * {@code (function_id, event_id)} key lets only the first insert of a tick succeed, so
 * only that instance dispatches it, however many instances tick. Cron runs have the event
 * name {@code cron/<function id>}, their tick as event time and {@code {"tick":
 * "<tick>"}} as data; they have steps, retries and dead letters like any run.
 * <p>
 * Ticks missed while no instance ran are handled on this instance's first look at a
 * function, from the latest tick recorded in the store: by default one catch-up run for
 * the latest missed tick, or none at all with {@link MissedTicks#SKIP}. A function that
 * has never run starts with its next tick. Ticks missed while this instance could not
 * record them (a database outage, or a look that came more than a lease duration after
 * the previous one, as after a suspended process) are handled the same way, so an outage
 * of half an hour on a per-minute cron starts one catch-up run, not thirty.
 * <p>
 * Which ticks are due is decided by the given clock, which is meant to follow the
 * database's time (see {@link DatabaseClock}), so that instances whose own clocks differ
 * fire each tick at the same moment.
 */
public final class CronTicker {

	private static final LogAccessor logger = new LogAccessor(CronTicker.class);

	private final RunStore runStore;

	private final RunDispatcher dispatcher;

	private final FunctionRegistry functions;

	private final String instanceId;

	private final Duration lease;

	private final Clock clock;

	private final MissedTicks missedTicks;

	private @Nullable List<CronSchedule> schedules;

	/**
	 * Creates a ticker.
	 * @param runStore records the runs
	 * @param dispatcher dispatches the runs this instance recorded
	 * @param functions the functions, of which the cron-triggered ones tick
	 * @param instanceId this instance's id, the lease owner
	 * @param lease the lease length
	 * @param clock the clock that decides which ticks are due
	 * @param missedTicks what to do with ticks missed while no instance ran
	 */
	public CronTicker(RunStore runStore, RunDispatcher dispatcher, FunctionRegistry functions, String instanceId,
			Duration lease, Clock clock, MissedTicks missedTicks) {
		this.runStore = runStore;
		this.dispatcher = dispatcher;
		this.functions = functions;
		this.instanceId = instanceId;
		this.lease = lease;
		this.clock = clock;
		this.missedTicks = missedTicks;
	}

	/**
	 * Records and dispatches the runs of every tick that is due now and that no instance
	 * has recorded yet.
	 * @return how many runs this instance recorded
	 */
	public synchronized int tickNow() {
		Instant now = this.clock.instant();
		List<NewRun> due = new ArrayList<>();
		List<CronSchedule> looked = new ArrayList<>();
		for (CronSchedule schedule : schedules()) {
			try {
				collectDue(schedule, now, due);
				looked.add(schedule);
			}
			catch (RuntimeException ex) {
				schedule.interrupted();
				logger.warn(ex, () -> "Could not read the last cron run of function '" + schedule.functionId()
						+ "'; retrying at the next tick");
			}
		}
		if (!due.isEmpty()) {
			try {
				dispatch(due, new HashSet<>(this.runStore.insertLeased(due, this.instanceId, this.lease)));
			}
			catch (RuntimeException ex) {
				// The window stays open, but the ticks in it now count as missed: the
				// next
				// look that succeeds starts one catch-up run, not one per tick.
				looked.forEach(CronSchedule::interrupted);
				logger.warn(ex, "Could not record cron runs; retrying at the next tick");
				return 0;
			}
		}
		// Only now are the ticks recorded, so a failed insert is retried next time.
		looked.forEach((schedule) -> schedule.checkedUntil(now));
		return due.size();
	}

	/**
	 * Returns the earliest tick of any cron-triggered function after an instant, for
	 * tests that move the engine's time forward tick by tick.
	 * @param time the instant
	 * @return the next tick, or {@code null} if no function is cron-triggered
	 */
	public synchronized @Nullable Instant nextTickAfter(Instant time) {
		Instant next = null;
		for (CronSchedule schedule : schedules()) {
			// Far enough for any expression that fires at all (29 February included).
			List<Instant> ticks = schedule.ticksBetween(time, time.plus(Duration.ofDays(5 * 366)), 1);
			if (!ticks.isEmpty() && (next == null || ticks.get(0).isBefore(next))) {
				next = ticks.get(0);
			}
		}
		return next;
	}

	private void collectDue(CronSchedule schedule, Instant now, List<NewRun> due) {
		Instant checkedUntil = schedule.checkedUntil();
		if (checkedUntil == null) {
			catchUp(schedule, now, due);
			return;
		}
		if (schedule.wasInterrupted() || Duration.between(checkedUntil, now).compareTo(this.lease) > 0) {
			// This instance could not record ticks for a while (an outage, a suspended
			// process): like ticks missed while no instance ran, they get one catch-up.
			Instant latest = schedule.latestTickBetween(checkedUntil, now);
			if (latest != null) {
				logger.warn(() -> "Function '" + schedule.functionId() + "' missed cron ticks since " + checkedUntil
						+ "; " + missedAction(latest));
			}
			addMissed(schedule, latest, due);
			return;
		}
		schedule.ticksBetween(checkedUntil, now, Integer.MAX_VALUE).forEach((tick) -> due.add(run(schedule, tick)));
	}

	private void catchUp(CronSchedule schedule, Instant now, List<NewRun> due) {
		Instant lastTick = this.runStore.latestEventTime(schedule.functionId(), schedule.eventName());
		if (lastTick == null) {
			return;
		}
		Instant latest = schedule.latestTickBetween(lastTick, now);
		if (latest != null) {
			logger.info(() -> "Function '" + schedule.functionId() + "' missed cron ticks after " + lastTick
					+ " while no instance ran; " + missedAction(latest));
			addMissed(schedule, latest, due);
		}
	}

	private void addMissed(CronSchedule schedule, @Nullable Instant latest, List<NewRun> due) {
		if (latest != null && this.missedTicks == MissedTicks.RUN_ONCE) {
			due.add(run(schedule, latest));
		}
	}

	private String missedAction(@Nullable Instant latest) {
		return (this.missedTicks == MissedTicks.RUN_ONCE && latest != null) ? "running once for tick " + latest
				: "skipping them (background-jobs.cron.missed-ticks=skip)";
	}

	private NewRun run(CronSchedule schedule, Instant tick) {
		return NewRun.forEvent(schedule.functionId(), "cron:" + schedule.functionId() + ":" + tick,
				schedule.eventName(), "{\"tick\":\"" + tick + "\"}", tick, null);
	}

	private void dispatch(List<NewRun> due, Set<String> inserted) {
		Instant now = this.clock.instant();
		for (NewRun run : due) {
			if (inserted.contains(run.runId())) {
				logger.debug(() -> "Starting cron run " + run.runId() + " of function '" + run.functionId()
						+ "' for tick " + run.eventTime());
				this.dispatcher.dispatch(run.asLeased(this.instanceId, now), true);
			}
		}
	}

	private List<CronSchedule> schedules() {
		// The registry is filled once all singletons exist, after this ticker is built.
		if (this.schedules == null) {
			List<CronSchedule> schedules = new ArrayList<>();
			for (FunctionDefinition function : this.functions.functions()) {
				function.triggers()
					.stream()
					.filter(CronTrigger.class::isInstance)
					.forEach((trigger) -> schedules.add(new CronSchedule(function.id(), (CronTrigger) trigger)));
			}
			this.schedules = List.copyOf(schedules);
		}
		return this.schedules;
	}

	/**
	 * What to do with cron ticks missed while no instance of the application ran.
	 */
	public enum MissedTicks {

		/**
		 * Start one run for the latest missed tick.
		 */
		RUN_ONCE,

		/**
		 * Start no run for missed ticks; the schedule resumes with its next tick.
		 */
		SKIP

	}

}
