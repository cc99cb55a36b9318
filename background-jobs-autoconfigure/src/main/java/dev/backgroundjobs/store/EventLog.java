package dev.backgroundjobs.store;

import java.time.Instant;

/**
 * Tells where the broker's log of an event name currently ends, so that a wait for an
 * event can record when it began in the broker's own order rather than by a clock.
 */
@FunctionalInterface
public interface EventLog {

	/**
	 * Returns where the log of events with the given name ends now: in each partition,
	 * the offset the next event will get. Every event at or past it reached the broker
	 * after this call began.
	 * @param eventName the event name
	 * @return the end of the log; {@link EventLogPosition#START} when no event of that
	 * name was ever published
	 * @throws dev.backgroundjobs.BrokerUnavailableException if the broker does not answer
	 */
	EventLogPosition end(String eventName);

	/**
	 * Returns whether the consumer that resolves waits has read every event with the
	 * given name that reached the broker at or after a position and before a time: only
	 * then may a wait that began at that position and ended at that time be called timed
	 * out. The consumer lags after an outage of the database (it cannot record what it
	 * reads) or of itself, and an event the broker stored before the deadline must still
	 * resolve the wait.
	 * @param eventName the event name
	 * @param from where the wait began in the log; earlier events do not matter
	 * @param time the time, the wait's deadline
	 * @return whether every such event has been read; {@code true} by default, for logs
	 * whose events are read as they are stored
	 * @throws dev.backgroundjobs.BrokerUnavailableException if the broker does not answer
	 */
	default boolean readThrough(String eventName, EventLogPosition from, Instant time) {
		return true;
	}

}
