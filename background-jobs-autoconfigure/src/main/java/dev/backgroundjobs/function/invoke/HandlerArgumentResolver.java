package dev.backgroundjobs.function.invoke;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;

/**
 * Resolves one kind of handler method parameter from an {@link Invocation}. Supporting a
 * new parameter type means adding one resolver.
 */
public interface HandlerArgumentResolver {

	/**
	 * Returns whether this resolver supplies the given parameter.
	 * @param parameter the parameter, with its containing class set to the bean's class
	 * @return whether the parameter is supported
	 */
	boolean supportsParameter(MethodParameter parameter);

	/**
	 * Checks at start-up that a supported parameter can be resolved, so that a mistake in
	 * its declaration fails the application rather than each run.
	 * @param parameter a parameter this resolver supports
	 * @throws IllegalArgumentException with the reason if it cannot be resolved
	 */
	default void validateParameter(MethodParameter parameter) {
	}

	/**
	 * Resolves the argument for one invocation.
	 * @param parameter a parameter this resolver supports
	 * @param invocation the invocation
	 * @return the argument
	 * @throws Exception if the argument cannot be resolved
	 */
	@Nullable Object resolve(MethodParameter parameter, Invocation invocation) throws Exception;

}
