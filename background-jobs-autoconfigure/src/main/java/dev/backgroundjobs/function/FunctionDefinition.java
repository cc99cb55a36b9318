package dev.backgroundjobs.function;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.function.invoke.HandlerMethodInvoker;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * A validated background function.
 *
 * @param id the function id, unique in the application
 * @param beanName the name of the bean declaring the handler method
 * @param method the handler method
 * @param triggers what starts runs; empty only for a failure handler, whose runs start
 * when a run of {@code failureOf} fails
 * @param retry how its steps, and its handler outside them, are retried: a complete
 * policy, resolved against the configured defaults
 * @param invoker calls the handler method with resolved arguments
 * @param failureHandlerId the id of the function that handles this function's failed
 * runs, or {@code null} for none
 * @param failureOf the id of the function whose failed runs this function handles, or
 * {@code null} if it is not a failure handler
 * @param cancelRules the events that cancel its runs ({@code cancelOn})
 * @param gates what limits the runs its events start ({@code idempotency},
 * {@code rateLimit}), checked when a run is recorded
 * @param batch how its events are collected into batches, one run each, or {@code null}
 * for one run per event
 * @param throttle when its runs may start ({@code throttle}), assigned when a run is
 * recorded, or {@code null} for at once
 * @param concurrency how many of its runs may be queued or running at once per key, with
 * the priority of those waiting ({@code concurrency}, {@code priority}), or {@code null}
 * for no limit
 * @param debounce how a burst of its events makes one run ({@code debounce}), or
 * {@code null} for one run per event
 * @param singleton at most one unfinished run per key ({@code singleton}), checked when a
 * run is recorded, or {@code null}
 */
public record FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
		HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
		List<CancelRule> cancelRules, List<IntakeGate> gates, @Nullable BatchSettings batch,
		@Nullable Throttling throttle, @Nullable ConcurrencyLimit concurrency, @Nullable Debouncing debounce,
		@Nullable SingletonRule singleton) {

	/**
	 * Creates a function, checking that its retry policy is complete.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 * @param gates what limits the runs its events start
	 * @param batch how its events are collected into batches, or {@code null}
	 * @param throttle when its runs may start, or {@code null} for at once
	 * @param concurrency its concurrency limit, or {@code null} for none
	 * @param debounce how a burst of its events makes one run, or {@code null}
	 * @param singleton at most one unfinished run per key, or {@code null}
	 */
	public FunctionDefinition {
		Assert.isTrue(retry.maxAttempts().isPresent(), "'retry' must set the attempts");
		gates = List.copyOf(gates);
	}

	/**
	 * Creates a function that is no singleton.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 * @param gates what limits the runs its events start
	 * @param batch how its events are collected into batches, or {@code null}
	 * @param throttle when its runs may start, or {@code null} for at once
	 * @param concurrency its concurrency limit, or {@code null} for none
	 * @param debounce how a burst of its events makes one run, or {@code null}
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
			List<CancelRule> cancelRules, List<IntakeGate> gates, @Nullable BatchSettings batch,
			@Nullable Throttling throttle, @Nullable ConcurrencyLimit concurrency, @Nullable Debouncing debounce) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, cancelRules, gates, batch,
				throttle, concurrency, debounce, null);
	}

	/**
	 * Creates a function without a concurrency limit.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 * @param gates what limits the runs its events start
	 * @param batch how its events are collected into batches, or {@code null}
	 * @param throttle when its runs may start, or {@code null} for at once
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
			List<CancelRule> cancelRules, List<IntakeGate> gates, @Nullable BatchSettings batch,
			@Nullable Throttling throttle) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, cancelRules, gates, batch,
				throttle, null, null);
	}

	/**
	 * Creates a function that runs once per event.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 * @param gates what limits the runs its events start
	 * @param batch how its events are collected into batches, or {@code null}
	 * @param throttle when its runs may start, or {@code null} for at once
	 * @param concurrency its concurrency limit, or {@code null} for none
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
			List<CancelRule> cancelRules, List<IntakeGate> gates, @Nullable BatchSettings batch,
			@Nullable Throttling throttle, @Nullable ConcurrencyLimit concurrency) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, cancelRules, gates, batch,
				throttle, concurrency, null);
	}

	/**
	 * Creates a function that runs once per event.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 * @param gates what limits the runs its events start
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
			List<CancelRule> cancelRules, List<IntakeGate> gates) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, cancelRules, gates,
				(BatchSettings) null);
	}

	/**
	 * Creates a function whose runs start as soon as they are recorded.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 * @param gates what limits the runs its events start
	 * @param batch how its events are collected into batches, or {@code null}
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
			List<CancelRule> cancelRules, List<IntakeGate> gates, @Nullable BatchSettings batch) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, cancelRules, gates, batch,
				null, null, null);
	}

	/**
	 * Creates a function whose runs no gate limits.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 * @param cancelRules the events that cancel its runs
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf,
			List<CancelRule> cancelRules) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, cancelRules, List.of());
	}

	/**
	 * Creates a function that no event cancels.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retry the complete retry policy
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, RetryPolicy retry,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf) {
		this(id, beanName, method, triggers, retry, invoker, failureHandlerId, failureOf, List.of());
	}

	/**
	 * Creates a function with the default backoff and a number of retries.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retries retries per step after the first attempt
	 * @param invoker calls the handler method with resolved arguments
	 * @param failureHandlerId the id of the function that handles this function's failed
	 * runs, or {@code null} for none
	 * @param failureOf the id of the function whose failed runs this function handles, or
	 * {@code null} if it is not a failure handler
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, int retries,
			HandlerMethodInvoker invoker, @Nullable String failureHandlerId, @Nullable String failureOf) {
		this(id, beanName, method, triggers, FunctionRetrySettings.of(retries).defaults(), invoker, failureHandlerId,
				failureOf);
	}

	/**
	 * Creates a function with the default backoff and a number of retries, without a
	 * failure handler, that is not one itself.
	 * @param id the function id
	 * @param beanName the name of the bean declaring the handler method
	 * @param method the handler method
	 * @param triggers what starts runs
	 * @param retries retries per step after the first attempt
	 * @param invoker calls the handler method with resolved arguments
	 */
	public FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, int retries,
			HandlerMethodInvoker invoker) {
		this(id, beanName, method, triggers, retries, invoker, null, null);
	}

	/**
	 * Returns the retries per step after the first attempt.
	 * @return the retries
	 */
	public int retries() {
		return this.retry.maxAttempts().orElse(1) - 1;
	}

	/**
	 * Returns whether the runs of this function's events are recorded through
	 * {@link dev.backgroundjobs.store.RunStore#insertLeasedGated}: it declares an
	 * idempotency key, a rate limit, a throttle, a concurrency limit, a debounce or a
	 * singleton. The others keep the plain insert.
	 * @return whether the intake limits its runs
	 */
	public boolean limitsIntake() {
		return !this.gates.isEmpty() || this.throttle != null || this.concurrency != null || this.debounce != null
				|| this.singleton != null;
	}

	/**
	 * Returns the names of the events that trigger this function.
	 * @return the event names
	 */
	public Set<String> eventNames() {
		return this.triggers.stream()
			.filter(EventTrigger.class::isInstance)
			.map((trigger) -> ((EventTrigger) trigger).eventName())
			.collect(Collectors.toCollection(java.util.LinkedHashSet::new));
	}

}
