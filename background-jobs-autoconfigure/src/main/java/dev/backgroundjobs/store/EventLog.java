package dev.backgroundjobs.store;

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

}
