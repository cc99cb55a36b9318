package dev.backgroundjobs.function;

/**
 * Starts a run for each event with the given name.
 *
 * @param eventName the event name
 */
public record EventTrigger(String eventName) implements Trigger {

}
