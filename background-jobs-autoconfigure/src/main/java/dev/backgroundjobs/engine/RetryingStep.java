package dev.backgroundjobs.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.backgroundjobs.Branch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.Step;
import org.jspecify.annotations.Nullable;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.util.Assert;

/**
 * The view of a {@link DefaultStep} that {@link Step#withRetry} returns: its {@code run},
 * {@code parallel} and {@code sendEvent} steps are retried with its policy; the other
 * steps do not retry and go to the step as they are.
 */
final class RetryingStep implements Step {

	private final DefaultStep step;

	private final RetryPolicy policy;

	RetryingStep(DefaultStep step, RetryPolicy policy) {
		this.step = step;
		this.policy = policy;
	}

	@Override
	public <T> @Nullable T run(String id, Class<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		return this.step.run(id, type, action, this.policy);
	}

	@Override
	public <T> @Nullable T run(String id, ParameterizedTypeReference<T> type, Callable<T> action) {
		Assert.notNull(type, "'type' must not be null");
		return this.step.run(id, type.getType(), action, this.policy);
	}

	@Override
	public void run(String id, Action action) {
		this.step.run(id, action, this.policy);
	}

	@Override
	public <T> List<@Nullable T> parallel(String id, List<? extends Branch<? extends T>> branches) {
		return this.step.parallel(id, branches, this.policy);
	}

	@Override
	public void sleep(String id, Duration duration) {
		this.step.sleep(id, duration);
	}

	@Override
	public void sleepUntil(String id, Instant time) {
		this.step.sleepUntil(id, time);
	}

	@Override
	public String sendEvent(String id, String name, Object data) {
		return this.step.sendEvent(id, name, data, this.policy);
	}

	@Override
	public <T> @Nullable T invoke(String id, String functionId, Object data, Class<T> type) {
		return this.step.invoke(id, functionId, data, type);
	}

	@Override
	public <T> @Nullable T invoke(String id, String functionId, Object data, ParameterizedTypeReference<T> type) {
		return this.step.invoke(id, functionId, data, type);
	}

	@Override
	public <T> Optional<Event<T>> waitForEvent(String id, String event, Class<T> type, Duration timeout, String match) {
		return this.step.waitForEvent(id, event, type, timeout, match);
	}

	@Override
	public <T> Optional<Event<T>> waitForEvent(String id, String event, ParameterizedTypeReference<T> type,
			Duration timeout, String match) {
		return this.step.waitForEvent(id, event, type, timeout, match);
	}

	@Override
	public Step withRetry(RetryPolicy policy) {
		Assert.notNull(policy, "'policy' must not be null");
		return new RetryingStep(this.step, policy.orElse(this.policy));
	}

}
