package dev.backgroundjobs.engine;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.backgroundjobs.store.RunStore;

/**
 * A fake {@link RunStore} for tests of the engine's loops and workers: each call is
 * answered by the behaviour given for its method (which may throw), counting the calls.
 */
public final class FailingRunStore {

	private final Map<String, Function<Integer, Object>> behaviours = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

	private final Map<String, Object[]> lastArguments = new ConcurrentHashMap<>();

	/**
	 * Sets how a method answers its n-th call (from 1).
	 * @param method the method name
	 * @param behaviour returns the answer, or throws
	 * @return this store
	 */
	public FailingRunStore on(String method, Function<Integer, Object> behaviour) {
		this.behaviours.put(method, behaviour);
		return this;
	}

	/**
	 * Returns how often a method was called.
	 * @param method the method name
	 * @return the number of calls
	 */
	public int calls(String method) {
		AtomicInteger count = this.calls.get(method);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * Returns the arguments of a method's last call.
	 * @param method the method name
	 * @return the arguments, or an empty array if it was not called
	 */
	public Object[] lastArguments(String method) {
		return this.lastArguments.getOrDefault(method, new Object[0]);
	}

	/**
	 * Returns the store.
	 * @return a {@link RunStore} answering as configured, and with an empty list,
	 * {@code 0} or {@code false} otherwise
	 */
	public RunStore store() {
		return (RunStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { RunStore.class },
				(proxy, method, args) -> {
					if (method.getDeclaringClass() == Object.class) {
						return switch (method.getName()) {
							case "hashCode" -> System.identityHashCode(proxy);
							case "equals" -> proxy == args[0];
							default -> "FailingRunStore";
						};
					}
					this.lastArguments.put(method.getName(), (args != null) ? args.clone() : new Object[0]);
					int call = this.calls.computeIfAbsent(method.getName(), (name) -> new AtomicInteger())
						.incrementAndGet();
					Function<Integer, Object> behaviour = this.behaviours.get(method.getName());
					if (behaviour != null) {
						return behaviour.apply(call);
					}
					Class<?> type = method.getReturnType();
					if (type == int.class) {
						return 0;
					}
					if (type == boolean.class) {
						return false;
					}
					return (type == List.class) ? List.of() : null;
				});
	}

}
