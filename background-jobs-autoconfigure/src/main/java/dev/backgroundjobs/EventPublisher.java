package dev.backgroundjobs;

import java.util.List;

/**
 * Publishes events that trigger {@link EventHandler} functions.
 * <p>
 * Both methods return only once the broker has acknowledged the event, so an event whose
 * id was returned is durable: it will be processed or dead-lettered, never dropped. Bad
 * input (a blank name, data that cannot be serialised, a payload over the size limit) is
 * rejected with an exception before anything is sent.
 */
public interface EventPublisher {

	/**
	 * Publishes an event with a new unique id and the current time.
	 * @param name the event name
	 * @param data the payload, serialised as JSON
	 * @return the event id
	 * @throws IllegalArgumentException if the name or data are invalid
	 * @throws BackgroundJobsException if the broker did not acknowledge the event
	 */
	String send(String name, Object data);

	/**
	 * Publishes the given event.
	 * @param event the event
	 * @return the event id
	 * @throws IllegalArgumentException if the event is invalid
	 * @throws BackgroundJobsException if the broker did not acknowledge the event
	 */
	String send(Event<?> event);

	/**
	 * Publishes several events and returns once the broker has acknowledged all of them.
	 * The events are sent together and waited for once, so a batch costs about as much as
	 * one {@link #send(Event)}: use it to enqueue many events at once, for example from
	 * an import or a fan-out.
	 * <p>
	 * Every event is validated and serialised before anything is sent, so bad input fails
	 * with nothing sent. If the broker does not acknowledge every event, some may still
	 * have been published: sending the same events again is safe, because a function runs
	 * once per event id.
	 * @param events the events, each with its own id
	 * @return the event ids, in the order of the events
	 * @throws IllegalArgumentException if an event is invalid
	 * @throws BackgroundJobsException if the broker did not acknowledge every event
	 */
	default List<String> sendAll(List<? extends Event<?>> events) {
		if (events == null) {
			throw new IllegalArgumentException("Events must not be null");
		}
		return events.stream().map(this::send).toList();
	}

}
