package dev.backgroundjobs.function;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.backgroundjobs.function.invoke.HandlerMethodInvoker;

/**
 * A validated background function.
 *
 * @param id the function id, unique in the application
 * @param beanName the name of the bean declaring the handler method
 * @param method the handler method
 * @param triggers what starts runs, never empty
 * @param retries retries per step after the first attempt, resolved against the
 * configured default
 * @param invoker calls the handler method with resolved arguments
 */
public record FunctionDefinition(String id, String beanName, Method method, List<Trigger> triggers, int retries,
		HandlerMethodInvoker invoker) {

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
