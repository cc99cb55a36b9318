package dev.backgroundjobs;

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

}
