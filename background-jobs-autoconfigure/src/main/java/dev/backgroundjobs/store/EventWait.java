package dev.backgroundjobs.store;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A run's wait for an event, from {@code step.waitForEvent}.
 *
 * @param runId the waiting run
 * @param stepId the waiting step
 * @param eventName the name of the awaited event
 * @param matchPath the path read from an incoming event of that name
 * @param matchValue the value it must have
 * @param createdAt when the wait was recorded (database time); which events match is
 * decided by the wait's start in the event's log, not by this time
 * @param expiresAt when the wait times out (database time)
 * @param resolvedEvent the matching event as JSON ({@code id}, {@code name},
 * {@code timestamp}, {@code data}), once one arrived
 */
public record EventWait(String runId, String stepId, String eventName, String matchPath, String matchValue,
		Instant createdAt, Instant expiresAt, @Nullable String resolvedEvent) {

}
