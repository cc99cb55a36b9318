package dev.backgroundjobs.function;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.backgroundjobs.CancelOn;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.RetryPolicy;
import dev.backgroundjobs.function.invoke.HandlerMethodInvoker;
import dev.backgroundjobs.function.invoke.HandlerMethodInvokerFactory;
import dev.backgroundjobs.json.MatchExpression;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Turns one {@link HandlerCandidate} into a {@link FunctionDefinition}, collecting every
 * problem with its declaration rather than stopping at the first.
 */
final class FunctionDefinitionFactory {

	/**
	 * Longest function id accepted.
	 */
	static final int MAX_ID_LENGTH = 200;

	// Function ids become part of Kafka consumer group names and of metric and log keys.
	private static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9._\\-/:]+");

	private static final String FAILURE_HANDLER_SUFFIX = ".on-failure";

	private static final String ID_RULE = "a function id must be 1 to " + MAX_ID_LENGTH
			+ " letters, digits and the characters . _ - / : because it becomes part of Kafka consumer group names";

	private final HandlerMethodInvokerFactory invokerFactory;

	private final FunctionRetryPolicyResolver retries;

	private final IntakeGates gates;

	private final Batching batching;

	private final Throttles throttles;

	private final ConcurrencyLimits concurrencyLimits;

	private final Debounces debounces;

	private final SingletonRules singletons;

	FunctionDefinitionFactory(HandlerMethodInvokerFactory invokerFactory, FunctionRetrySettings retrySettings,
			Map<String, FlowControlOverrides> flowControl) {
		this.invokerFactory = invokerFactory;
		this.retries = new FunctionRetryPolicyResolver(retrySettings);
		this.gates = new IntakeGates(flowControl);
		this.batching = new Batching(flowControl);
		this.throttles = new Throttles(flowControl);
		this.concurrencyLimits = new ConcurrencyLimits(flowControl);
		this.debounces = new Debounces(flowControl);
		this.singletons = new SingletonRules(flowControl);
	}

	/**
	 * Returns the id of a candidate's function, valid or not.
	 * @param candidate the candidate
	 * @return the declared id, or {@code <bean name>.<method name>}
	 */
	static String functionId(HandlerCandidate candidate) {
		String id = candidate.annotation().id();
		return id.isEmpty() ? candidate.beanName() + "." + candidate.method().getName() : id;
	}

	/**
	 * Returns the id of the failure handler of a function.
	 * @param functionId the function id
	 * @return the id of its failure handler
	 */
	static String failureHandlerId(String functionId) {
		return functionId + FAILURE_HANDLER_SUFFIX;
	}

	/**
	 * Validates a candidate and builds its function, followed by its failure handler if
	 * it names one.
	 * @param candidate the candidate
	 * @param problems receives a message per problem found
	 * @return the function and its failure handler, or an empty list if any problem was
	 * found
	 */
	List<FunctionDefinition> create(HandlerCandidate candidate, List<String> problems) {
		int before = problems.size();
		String id = functionId(candidate);
		checkId(candidate, id, problems);
		List<Trigger> triggers = triggers(candidate, problems);
		RetryPolicy retry = this.retries.resolve(candidate, id, problems);
		List<CancelRule> cancelRules = cancelRules(candidate, problems);
		List<IntakeGate> gates = this.gates.resolve(candidate, id, problems);
		BatchSettings batch = this.batching.resolve(candidate, id, gates, problems);
		Throttling throttle = this.throttles.resolve(candidate, id, problems);
		Debouncing debounce = this.debounces.resolve(candidate, id, problems);
		if (batch != null && debounce != null) {
			problems.add(candidate.problem("attribute 'debounce' cannot be combined with 'batch': a batch collects "
					+ "events rather than keeping the last one; remove one of them"));
		}
		if (batch != null && throttle != null) {
			problems.add(candidate.problem("attribute 'throttle' cannot be combined with 'batch': a batch's run "
					+ "starts when the batch is full or its timeout passes; remove one of them"));
		}
		ConcurrencyLimit concurrency = this.concurrencyLimits.resolve(candidate, id, problems);
		SingletonRule singleton = this.singletons.resolve(candidate, id, problems);
		if (batch != null && singleton != null) {
			problems.add(candidate.problem("attribute 'batch' cannot be combined with 'singleton', which acts on "
					+ "the run of each event; remove one of them"));
		}
		if (debounce != null && singleton != null) {
			problems.add(candidate.problem("attribute 'debounce' cannot be combined with 'singleton' yet: both "
					+ "decide which run of a key goes on; remove one of them"));
		}
		HandlerMethodInvoker invoker = invoker(candidate, candidate.method(), "", problems);
		if (invoker != null && acceptsFailure(candidate.method())) {
			problems.add(candidate.problem("a FunctionFailure parameter is only for the method named by "
					+ "another function's 'onFailure'; declare an Event<T> parameter"));
		}
		try {
			RunTimeouts.of(candidate.annotation().timeouts());
		}
		catch (IllegalArgumentException ex) {
			problems.add(candidate.problem(ex.getMessage()));
		}
		Method failureMethod = failureMethod(candidate, problems);
		HandlerMethodInvoker failureInvoker = (failureMethod != null) ? invoker(candidate, failureMethod,
				"attribute 'onFailure' is '" + candidate.annotation().onFailure() + "': ", problems) : null;
		if (failureInvoker != null && Batching.takesEventList(failureMethod)) {
			problems.add(candidate.problem("attribute 'onFailure' is '" + candidate.annotation().onFailure()
					+ "', whose method takes a List<Event<T>>; a failure handler takes a FunctionFailure<T>, "
					+ "whose event holds the failed batch's events as its data"));
		}
		if (problems.size() > before || invoker == null || retry == null) {
			return List.of();
		}
		if (failureMethod == null || failureInvoker == null) {
			return List.of(new FunctionDefinition(id, candidate.beanName(), candidate.method(), triggers, retry,
					invoker, null, null, cancelRules, gates, batch, throttle, concurrency, debounce, singleton));
		}
		String failureHandlerId = failureHandlerId(id);
		return List.of(
				new FunctionDefinition(id, candidate.beanName(), candidate.method(), triggers, retry, invoker,
						failureHandlerId, null, cancelRules, gates, batch, throttle, concurrency, debounce, singleton),
				// The configured policy: a function that must not retry its own steps
				// still wants its failure reported.
				new FunctionDefinition(failureHandlerId, candidate.beanName(), failureMethod, List.of(),
						this.retries.configured(failureHandlerId), failureInvoker, null, id));
	}

	private List<CancelRule> cancelRules(HandlerCandidate candidate, List<String> problems) {
		CancelOn[] cancelOn = candidate.annotation().cancelOn();
		if (cancelOn.length > 0 && candidate.annotation().event().length == 0) {
			problems.add(candidate.problem("attribute 'cancelOn' needs an 'event' trigger: runs are cancelled by "
					+ "matching the cancelling event against the triggering one"));
		}
		Set<CancelRule> rules = new LinkedHashSet<>();
		for (int i = 0; i < cancelOn.length; i++) {
			if (cancelOn[i].event().isBlank()) {
				problems.add(candidate.problem("attribute 'cancelOn' has a blank event name at index " + i));
			}
			try {
				MatchExpression match = MatchExpression.parse(cancelOn[i].match());
				rules.add(new CancelRule(cancelOn[i].event(), match));
			}
			catch (IllegalArgumentException ex) {
				problems.add(candidate.problem("attribute 'cancelOn' at index " + i + " (event '" + cancelOn[i].event()
						+ "'): " + ex.getMessage()));
			}
		}
		return List.copyOf(rules);
	}

	private static @Nullable Method failureMethod(HandlerCandidate candidate, List<String> problems) {
		String name = candidate.annotation().onFailure();
		if (name.isEmpty()) {
			return null;
		}
		String attribute = "attribute 'onFailure' is '" + name + "'";
		Method[] methods = ReflectionUtils.getUniqueDeclaredMethods(candidate.targetClass(),
				(method) -> method.getName().equals(name) && !method.isBridge() && !method.isSynthetic());
		if (methods.length != 1) {
			problems.add(candidate.problem(attribute + ", but class " + candidate.targetClass().getName() + " has "
					+ ((methods.length == 0) ? "no method" : methods.length + " methods")
					+ " of that name; name one method of the same bean, with a name of its own"));
			return null;
		}
		Method method = methods[0];
		if (AnnotatedElementUtils.hasAnnotation(method, EventHandler.class)) {
			problems.add(candidate.problem(attribute + ", which is an @EventHandler method itself; a failure "
					+ "handler is a method without @EventHandler, run as a function of its own"));
			return null;
		}
		if (Modifier.isStatic(method.getModifiers())) {
			problems.add(candidate.problem(attribute + ", which is static; make it an instance method"));
			return null;
		}
		return method;
	}

	private static boolean acceptsFailure(Method method) {
		return Arrays.asList(method.getParameterTypes()).contains(FunctionFailure.class);
	}

	private void checkId(HandlerCandidate candidate, String id, List<String> problems) {
		if (id.length() <= MAX_ID_LENGTH && ID_PATTERN.matcher(id).matches()) {
			return;
		}
		if (candidate.annotation().id().isEmpty()) {
			problems.add(candidate.problem("attribute 'id' is not set and the default id '" + id
					+ "' (<bean name>.<method name>) is not valid: " + ID_RULE + "; set 'id'"));
		}
		else {
			problems.add(candidate.problem("attribute 'id' is '" + id + "', which is not valid: " + ID_RULE));
		}
	}

	private List<Trigger> triggers(HandlerCandidate candidate, List<String> problems) {
		EventHandler annotation = candidate.annotation();
		Set<Trigger> triggers = new LinkedHashSet<>();
		String[] events = annotation.event();
		for (int i = 0; i < events.length; i++) {
			if (events[i].isBlank()) {
				problems.add(candidate.problem("attribute 'event' has a blank event name at index " + i));
			}
			else {
				triggers.add(new EventTrigger(events[i]));
			}
		}
		ZoneId zone = zone(candidate, problems);
		String cron = annotation.cron();
		if (!cron.isEmpty()) {
			try {
				CronTrigger.parse(cron);
				if (zone != null) {
					triggers.add(new CronTrigger(cron.trim(), zone));
				}
			}
			catch (IllegalArgumentException ex) {
				problems.add(candidate.problem("attribute 'cron' is '" + cron
						+ "', which is not a valid cron expression: " + ex.getMessage()));
			}
		}
		if (events.length == 0 && cron.isEmpty()) {
			problems.add(candidate.problem("attributes 'event' and 'cron' are both empty; declare the events "
					+ "that trigger the function, a cron schedule, or both"));
		}
		return List.copyOf(triggers);
	}

	private @Nullable ZoneId zone(HandlerCandidate candidate, List<String> problems) {
		String zone = candidate.annotation().zone();
		try {
			return ZoneId.of(zone);
		}
		catch (DateTimeException ex) {
			problems.add(candidate.problem("attribute 'zone' is '" + zone + "', which is not a valid time zone ("
					+ ex.getMessage() + "); use a region such as 'Europe/Paris' or an offset such as 'UTC+2'"));
			return null;
		}
	}

	private @Nullable HandlerMethodInvoker invoker(HandlerCandidate candidate, Method method, String prefix,
			List<String> problems) {
		Object bean = candidate.bean();
		try {
			Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
			if (AopUtils.isCglibProxy(bean) && Modifier.isFinal(invocable.getModifiers())) {
				// A final method cannot be overridden by the proxy, so it would run on
				// the
				// proxy instance itself, whose fields are not initialised.
				problems.add(candidate.problem(prefix + "the method is final, so it cannot be invoked through the "
						+ "bean's CGLIB proxy; remove 'final'"));
				return null;
			}
			return this.invokerFactory.create(bean, method, candidate.targetClass(), invocable);
		}
		catch (IllegalStateException | IllegalArgumentException ex) {
			problems.add(candidate.problem(prefix + ex.getMessage()));
			return null;
		}
	}

}
