package dev.backgroundjobs.function.invoke;

import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;

/**
 * What a handler invocation can draw its arguments from.
 *
 * @param context the run's identity
 * @param step the run's step API
 * @param event the triggering event
 */
public record Invocation(RunContext context, Step step, StoredEvent event) {

}
