package dev.backgroundjobs.function;

/**
 * What starts runs of a function.
 */
public sealed interface Trigger permits EventTrigger, CronTrigger {

}
