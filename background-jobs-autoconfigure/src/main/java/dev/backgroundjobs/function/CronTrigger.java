package dev.backgroundjobs.function;

import java.time.ZoneId;

/**
 * Starts a run at each tick of a cron schedule.
 *
 * @param expression the expression as written on the annotation
 * @param zone the zone the expression is evaluated in
 */
public record CronTrigger(String expression, ZoneId zone) implements Trigger {

}
