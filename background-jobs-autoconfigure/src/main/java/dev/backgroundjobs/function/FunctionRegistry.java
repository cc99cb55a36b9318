package dev.backgroundjobs.function;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The functions of the application, by id. Filled once by the {@link FunctionRegistrar}
 * before any component that runs functions starts, then read concurrently.
 */
public final class FunctionRegistry {

	private volatile Map<String, FunctionDefinition> functions = Map.of();

	/**
	 * Replaces the registered functions.
	 * @param definitions the functions, with unique ids
	 */
	void register(Collection<FunctionDefinition> definitions) {
		Map<String, FunctionDefinition> byId = new LinkedHashMap<>();
		for (FunctionDefinition definition : definitions) {
			Assert.isTrue(byId.put(definition.id(), definition) == null,
					() -> "Duplicate function id '" + definition.id() + "'");
		}
		this.functions = Collections.unmodifiableMap(byId);
	}

	/**
	 * Returns every function.
	 * @return the functions, in registration order
	 */
	public Collection<FunctionDefinition> functions() {
		return this.functions.values();
	}

	/**
	 * Finds a function.
	 * @param id the function id
	 * @return the function, or {@code null} if unknown
	 */
	public @Nullable FunctionDefinition find(String id) {
		return this.functions.get(id);
	}

	/**
	 * Returns the functions triggered by an event name.
	 * @param eventName the event name
	 * @return the functions
	 */
	public List<FunctionDefinition> functionsFor(String eventName) {
		List<FunctionDefinition> result = new ArrayList<>();
		for (FunctionDefinition definition : this.functions.values()) {
			if (definition.eventNames().contains(eventName)) {
				result.add(definition);
			}
		}
		return result;
	}

}
