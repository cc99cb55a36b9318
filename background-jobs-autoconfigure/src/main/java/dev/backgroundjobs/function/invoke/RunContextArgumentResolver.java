package dev.backgroundjobs.function.invoke;

import dev.backgroundjobs.RunContext;

import org.springframework.core.MethodParameter;

/**
 * Resolves a {@link RunContext} parameter to the identity of the run.
 */
public final class RunContextArgumentResolver implements HandlerArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == RunContext.class;
	}

	@Override
	public RunContext resolve(MethodParameter parameter, Invocation invocation) {
		return invocation.context();
	}

}
