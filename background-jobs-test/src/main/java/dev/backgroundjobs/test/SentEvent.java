package dev.backgroundjobs.test;

/**
 * An event a handler sent with {@code step.sendEvent} in a {@link TestStep} run.
 *
 * @param stepId the id of the step that sent it
 * @param name the event name
 * @param data the payload, as the handler passed it
 */
public record SentEvent(String stepId, String name, Object data) {

}
