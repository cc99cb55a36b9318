package dev.backgroundjobs.function;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.function.invoke.HandlerMethodInvokerFactory;
import dev.backgroundjobs.json.PayloadCodec;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Validates every {@link EventHandler @EventHandler} method collected by the
 * {@link EventHandlerAnnotationBeanPostProcessor} once all singletons exist, and
 * registers them in the {@link FunctionRegistry}. Any invalid declaration fails the
 * start-up with an {@link InvalidEventHandlerException} that lists every problem found,
 * and then no function is registered.
 */
public final class FunctionRegistrar implements SmartInitializingSingleton {

	private static final LogAccessor logger = new LogAccessor(FunctionRegistrar.class);

	private final FunctionRegistry registry;

	private final EventHandlerAnnotationBeanPostProcessor processor;

	private final FunctionDefinitionFactory definitionFactory;

	private final Set<String> retryOverrides;

	private final Set<String> flowControlOverrides;

	/**
	 * Creates a registrar.
	 * @param registry the registry to fill
	 * @param processor the post-processor that collected the handler methods
	 * @param codec decodes event payloads for the handlers
	 * @param defaultRetries the retries of functions that do not set
	 * {@link EventHandler#retries()}
	 */
	public FunctionRegistrar(FunctionRegistry registry, EventHandlerAnnotationBeanPostProcessor processor,
			PayloadCodec codec, int defaultRetries) {
		this(registry, processor, codec, FunctionRetrySettings.of(defaultRetries));
	}

	/**
	 * Creates a registrar.
	 * @param registry the registry to fill
	 * @param processor the post-processor that collected the handler methods
	 * @param codec decodes event payloads for the handlers
	 * @param retrySettings what the functions' retry policies are resolved against
	 */
	public FunctionRegistrar(FunctionRegistry registry, EventHandlerAnnotationBeanPostProcessor processor,
			PayloadCodec codec, FunctionRetrySettings retrySettings) {
		this(registry, processor, codec, retrySettings, Map.of());
	}

	/**
	 * Creates a registrar.
	 * @param registry the registry to fill
	 * @param processor the post-processor that collected the handler methods
	 * @param codec decodes event payloads for the handlers
	 * @param retrySettings what the functions' retry policies are resolved against
	 * @param flowControl the configured flow control values, by function id
	 */
	public FunctionRegistrar(FunctionRegistry registry, EventHandlerAnnotationBeanPostProcessor processor,
			PayloadCodec codec, FunctionRetrySettings retrySettings, Map<String, FlowControlOverrides> flowControl) {
		Assert.notNull(registry, "'registry' must not be null");
		Assert.notNull(processor, "'processor' must not be null");
		Assert.notNull(codec, "'codec' must not be null");
		Assert.notNull(retrySettings, "'retrySettings' must not be null");
		this.registry = registry;
		this.processor = processor;
		this.retryOverrides = retrySettings.overrides().keySet();
		Assert.notNull(flowControl, "'flowControl' must not be null");
		this.flowControlOverrides = flowControl.entrySet()
			.stream()
			.filter((entry) -> !FlowControlOverrides.NONE.equals(entry.getValue()))
			.map(Map.Entry::getKey)
			.collect(Collectors.toCollection(TreeSet::new));
		this.definitionFactory = new FunctionDefinitionFactory(HandlerMethodInvokerFactory.withDefaultResolvers(codec),
				retrySettings, flowControl);
	}

	@Override
	public void afterSingletonsInstantiated() {
		List<String> problems = new ArrayList<>();
		List<FunctionDefinition> definitions = new ArrayList<>();
		Map<String, HandlerCandidate> byId = new HashMap<>();
		for (HandlerCandidate candidate : this.processor.drainCandidates()) {
			String id = FunctionDefinitionFactory.functionId(candidate);
			HandlerCandidate other = byId.putIfAbsent(id, candidate);
			if (other != null) {
				problems.add(duplicate(id, candidate, other));
			}
			List<FunctionDefinition> created = this.definitionFactory.create(candidate, problems);
			if (other == null) {
				definitions.addAll(created);
			}
		}
		checkFailureHandlerIds(definitions, byId, problems);
		Set<String> ids = new HashSet<>(byId.keySet());
		definitions.forEach((definition) -> ids.add(definition.id()));
		for (String id : this.retryOverrides) {
			if (!ids.contains(id)) {
				problems.add("background-jobs.functions." + id + ".retry is set, but no function has the id '" + id
						+ "' (functions: " + String.join(", ", new TreeSet<>(ids))
						+ "); ids with other characters than letters, digits and '-' need brackets: "
						+ "background-jobs.functions.[" + id + "].retry");
			}
		}
		for (String id : this.flowControlOverrides) {
			if (!ids.contains(id)) {
				problems.add("background-jobs.functions." + id
						+ ".idempotency, .rate-limit, .batch, .throttle, .concurrency, .debounce or .singleton is set, but no "
						+ "function has the id '" + id + "' (functions: " + String.join(", ", new TreeSet<>(ids))
						+ "); ids with other characters than letters, digits and '-' need brackets: "
						+ "background-jobs.functions.[" + id + "].rate-limit");
			}
		}
		if (!problems.isEmpty()) {
			throw new InvalidEventHandlerException(problems);
		}
		this.registry.register(definitions);
		definitions.forEach((definition) -> logger.info(() -> "Registered function '" + definition.id() + "' ("
				+ describe(definition) + "; retries: " + definition.retries() + ")"));
	}

	private static void checkFailureHandlerIds(List<FunctionDefinition> definitions, Map<String, HandlerCandidate> byId,
			List<String> problems) {
		for (FunctionDefinition definition : definitions) {
			String failureOf = definition.failureOf();
			HandlerCandidate other = byId.get(definition.id());
			if (failureOf != null && other != null) {
				problems.add(byId.get(failureOf)
					.problem("attribute 'onFailure' makes a failure handler with the id '" + definition.id()
							+ "', which is also the id of the function of method '" + other.methodName() + "' of bean '"
							+ other.beanName() + "'; function ids must be unique"));
			}
		}
	}

	private static String duplicate(String id, HandlerCandidate candidate, HandlerCandidate other) {
		if (other.beanName().equals(candidate.beanName()) && other.method().equals(candidate.method())) {
			return candidate.problem("the bean was created more than once, so function '" + id
					+ "' would be declared twice; declare functions on singleton beans");
		}
		return candidate.problem("attribute 'id' is '" + id + "', which is also the id of the function of method '"
				+ other.methodName() + "' of bean '" + other.beanName() + "'; function ids must be unique");
	}

	private static String describe(FunctionDefinition definition) {
		return (definition.failureOf() != null) ? "failure of '" + definition.failureOf() + "'"
				: describe(definition.triggers());
	}

	private static String describe(List<Trigger> triggers) {
		return triggers.stream().map(FunctionRegistrar::describe).collect(Collectors.joining(", "));
	}

	private static String describe(Trigger trigger) {
		if (trigger instanceof CronTrigger cron) {
			return "cron '" + cron.expression() + "' in " + cron.zone();
		}
		return "event '" + ((EventTrigger) trigger).eventName() + "'";
	}

}
