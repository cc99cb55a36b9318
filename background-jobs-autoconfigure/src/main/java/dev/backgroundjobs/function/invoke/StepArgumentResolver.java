package dev.backgroundjobs.function.invoke;

import dev.backgroundjobs.Step;

import org.springframework.core.MethodParameter;

/**
 * Resolves a {@link Step} parameter to the run's step API.
 */
public final class StepArgumentResolver implements HandlerArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == Step.class;
	}

	@Override
	public Step resolve(MethodParameter parameter, Invocation invocation) {
		return invocation.step();
	}

}
