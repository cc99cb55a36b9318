package dev.backgroundjobs.test;

/**
 * A call of another function a handler made with {@code step.invoke} in a
 * {@link TestStep} run.
 *
 * @param stepId the id of the step that invoked it
 * @param functionId the id of the invoked function
 * @param data the payload, as the handler passed it
 */
public record Invocation(String stepId, String functionId, Object data) {

}
