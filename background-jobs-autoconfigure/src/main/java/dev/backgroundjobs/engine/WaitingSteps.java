package dev.backgroundjobs.engine;

import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.StepFailedException;
import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.store.EventWait;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.core.log.LogAccessor;

/**
 * The steps of a {@link DefaultStep} that park the run until something else happens:
 * {@code invoke}, which waits for a child run, and {@code waitForEvent}, which waits for
 * a matching event or a timeout.
 * <p>
 * Each first parks the run with a {@link RunInterruption}; when the run is resumed, it
 * finds the outcome in the store (the child run, or the resolved wait) and records it as
 * the step's result, so later executions return it without looking again.
 */
final class WaitingSteps {

	private static final LogAccessor logger = new LogAccessor(WaitingSteps.class);

	/**
	 * How soon a wait past its deadline looks again whether every event before the
	 * deadline has been read.
	 */
	private static final Duration READ_THROUGH_RECHECK = Duration.ofSeconds(1);

	/**
	 * How long past its deadline a wait keeps waiting for the events before it to be
	 * read; after that it times out anyway, with a warning.
	 */
	private static final Duration READ_THROUGH_PATIENCE = Duration.ofMinutes(1);

	private final DefaultStep step;

	private final RunScope scope;

	WaitingSteps(DefaultStep step, RunScope scope) {
		this.step = step;
		this.scope = scope;
	}

	<T> @Nullable T invoke(String stepId, String functionId, Object data, Type type) {
		StepRecord previous = this.step.stored(stepId);
		if (previous != null && previous.status() == StepStatus.COMPLETED) {
			return this.step.decode(previous, type);
		}
		if (this.scope.functions().find(functionId) == null) {
			throw new IllegalArgumentException("Step '" + stepId + "' of " + this.scope.describe()
					+ " invokes function '" + functionId + "', which is not registered in this application");
		}
		String eventId = this.step.derivedEventId("invoke:", stepId);
		String childRunId = NewRun.deriveRunId(functionId, eventId);
		RunRecord child = this.step.database(stepId, () -> this.scope.runStore().find(childRunId));
		if (child == null) {
			String json = this.scope.codec()
				.encode(data, "data of step '" + stepId + "' of " + this.scope.describe() + " for function '"
						+ functionId + "'");
			NewRun run = NewRun.forEvent(functionId, eventId, "invoke/" + functionId, json,
					this.scope.clock().instant(), this.scope.run().traceContext());
			this.step.database(stepId, () -> this.scope.runStore().insertChild(run, this.scope.runId(), stepId));
			logger.debug(() -> "Step '" + stepId + "' of " + this.scope.describe() + " invoked function '" + functionId
					+ "' as run " + childRunId);
		}
		else if (child.status() == RunStatus.COMPLETED) {
			StepRecord completed = new StepRecord(this.scope.runId(), stepId, StepStatus.COMPLETED, 1, child.output(),
					null, child.createdAt(), this.scope.clock().instant());
			this.step.record(completed);
			return this.step.decode(completed, type);
		}
		else if (child.status() == RunStatus.FAILED || child.status() == RunStatus.CANCELLED) {
			String error = "Invoked function '" + functionId + "' (run " + childRunId + ") "
					+ child.status().name().toLowerCase(Locale.ROOT)
					+ ((child.error() != null) ? ": " + child.error() : "");
			this.step.record(new StepRecord(this.scope.runId(), stepId, StepStatus.FAILED, 1, null, error,
					child.createdAt(), this.scope.clock().instant()));
			throw new StepFailedException("Step '" + stepId + "' of " + this.scope.describe() + " failed: " + error,
					stepId, 1, null);
		}
		throw this.step.interrupt(new RunInterruption.AwaitChild(childRunId));
	}

	<T> Optional<Event<T>> waitForEvent(String stepId, String event, Type type, Duration timeout,
			MatchExpression expression) {
		StepRecord previous = this.step.stored(stepId);
		if (previous != null && previous.status() == StepStatus.COMPLETED) {
			return receivedEvent(previous, type);
		}
		EventWait wait = this.step.database(stepId, () -> this.scope.waits().find(this.scope.runId(), stepId));
		Instant now = this.scope.clock().instant();
		if (wait == null) {
			JsonNode trigger = this.scope.codec().mapper().readTree(this.scope.eventData());
			String value = MatchExpression.valueAt(trigger, expression.triggerPath());
			if (value == null) {
				throw new IllegalArgumentException("Step '" + stepId + "' of " + this.scope.describe()
						+ " waits for event '" + event + "' matching " + expression + ", but the triggering event has "
						+ "no string, number or boolean at '" + expression.triggerPath() + "'");
			}
			throw this.step
				.interrupt(new RunInterruption.AwaitEvent(stepId, event, expression.awaitedPath(), value, timeout));
		}
		if (wait.resolvedEvent() == null && now.isBefore(wait.expiresAt())) {
			// Claimed before the wait ended (a lease expired): wait for the rest of it.
			throw this.step.interrupt(new RunInterruption.AwaitEvent(stepId, event, wait.matchPath(), wait.matchValue(),
					Duration.between(now, wait.expiresAt())));
		}
		if (wait.resolvedEvent() == null && !eventsBeforeDeadlineRead(stepId, wait, now)) {
			// Its event may have reached the broker in time and not been read yet: look
			// again shortly rather than time out. A resolution meanwhile is found then.
			throw this.step.interrupt(new RunInterruption.Park(READ_THROUGH_RECHECK, null));
		}
		StepRecord received = new StepRecord(this.scope.runId(), stepId, StepStatus.COMPLETED, 1, wait.resolvedEvent(),
				null, wait.createdAt(), now);
		this.step.record(received);
		this.step.database(stepId, () -> {
			this.scope.waits().delete(this.scope.runId(), stepId);
			return null;
		});
		return receivedEvent(received, type);
	}

	/**
	 * Whether a wait may time out: every event of its name that reached the broker before
	 * its deadline has been read and matched. The reader lags after an outage, and an
	 * event stored in time must still resolve the wait.
	 */
	private boolean eventsBeforeDeadlineRead(String stepId, EventWait wait, Instant now) {
		Boolean read = this.step.database(stepId, () -> this.scope.waits().eventsReadThrough(wait));
		if (Boolean.TRUE.equals(read)) {
			return true;
		}
		if (now.isAfter(wait.expiresAt().plus(READ_THROUGH_PATIENCE))) {
			logger.warn(() -> "Step '" + stepId + "' of " + this.scope.describe() + " times out although events '"
					+ wait.eventName() + "' sent before its deadline " + wait.expiresAt() + " are still unread after "
					+ READ_THROUGH_PATIENCE.toSeconds() + " s; is the event-wait consumer running?");
			return true;
		}
		return false;
	}

	@SuppressWarnings("unchecked")
	private <T> Optional<Event<T>> receivedEvent(StepRecord step, Type type) {
		if (step.output() == null) {
			return Optional.empty();
		}
		JsonNode event = this.scope.codec().mapper().readTree(step.output());
		Object data = this.scope.codec()
			.decode(event.get("data").toString(), type,
					"event received by step '" + step.stepId() + "' of " + this.scope.describe());
		return Optional.of(new Event<>(event.get("id").asString(), event.get("name").asString(), (T) data,
				Instant.parse(event.get("timestamp").asString())));
	}

}
