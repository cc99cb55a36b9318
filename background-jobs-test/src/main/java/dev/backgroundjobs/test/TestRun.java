package dev.backgroundjobs.test;

import java.util.List;
import java.util.stream.Collectors;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * What a handler did in one {@link TestStep#execute execution}: how the run ended, its
 * output or failure, and its steps in the order taken.
 *
 * @param <T> the handler's return type
 * @param status {@link RunStatus#COMPLETED COMPLETED} when the handler returned,
 * {@link RunStatus#FAILED FAILED} when it threw, {@link RunStatus#SLEEPING SLEEPING} when
 * it reached a sleep with {@link TestStep#parkAtSleeps()} set, {@link RunStatus#WAITING
 * WAITING} when it reached a {@code waitForEvent} the test gave no answer
 * @param output what the handler returned, if it completed
 * @param failure what the handler threw, if it failed
 * @param steps the steps taken, in order
 * @param sentEvents the events sent with {@code step.sendEvent}, in order
 * @param invocations the functions invoked with {@code step.invoke}, in order
 */
public record TestRun<T>(RunStatus status, @Nullable T output, @Nullable Throwable failure, List<StepCall> steps,
		List<SentEvent> sentEvents, List<Invocation> invocations) {

	/**
	 * Returns the ids of the steps taken, in order.
	 * @return the step ids
	 */
	public List<String> stepIds() {
		return this.steps.stream().map(StepCall::id).toList();
	}

	/**
	 * Returns a step taken.
	 * @param id the step id, with its counter suffix if the id was repeated
	 * @return the step
	 * @throws IllegalArgumentException if no step with that id was taken
	 */
	public StepCall step(String id) {
		return this.steps.stream()
			.filter((step) -> step.id().equals(id))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(
					"No step '" + id + "' was taken; the steps were " + stepIds() + " (" + this.status + ")"));
	}

	/**
	 * Returns the sleeps taken, in order.
	 * @return the steps of kind {@link StepCall.Kind#SLEEP}
	 */
	public List<StepCall> sleeps() {
		return this.steps.stream().filter((step) -> step.kind() == StepCall.Kind.SLEEP).toList();
	}

	@Override
	public String toString() {
		String steps = this.steps.stream()
			.map((step) -> step.id() + " " + step.kind() + " x" + step.attempts()
					+ ((step.failure() != null) ? " failed: " + step.failure() : ""))
			.collect(Collectors.joining(", ", "[", "]"));
		return "TestRun " + this.status + ((this.failure != null) ? " (" + this.failure + ")" : "") + ", steps "
				+ steps;
	}

}
