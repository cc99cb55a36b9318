package dev.backgroundjobs.function;

import dev.backgroundjobs.CancelOn;
import dev.backgroundjobs.json.MatchExpression;

/**
 * A validated {@link CancelOn}: events named {@code eventName} cancel the runs whose
 * triggering event has, at {@code match.triggerPath()}, the value the cancelling event
 * has at {@code match.awaitedPath()}.
 *
 * @param eventName the name of the cancelling event
 * @param match the paths compared
 */
public record CancelRule(String eventName, MatchExpression match) {

}
