package dev.backgroundjobs.function.invoke;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.json.PayloadCodec;

import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;

/**
 * Builds a {@link HandlerMethodInvoker} for a handler method, choosing the resolver of
 * each parameter and checking at start-up that every parameter can be resolved.
 */
public final class HandlerMethodInvokerFactory {

	private static final ParameterNameDiscoverer parameterNameDiscoverer = new DefaultParameterNameDiscoverer();

	private final List<HandlerArgumentResolver> resolvers;

	/**
	 * Creates a factory.
	 * @param resolvers the resolvers, asked in order
	 */
	public HandlerMethodInvokerFactory(List<HandlerArgumentResolver> resolvers) {
		Assert.notNull(resolvers, "'resolvers' must not be null");
		this.resolvers = List.copyOf(resolvers);
	}

	/**
	 * Creates a factory with the resolvers of the supported parameter types:
	 * {@code Event<T>}, {@code List<Event<T>>} for batches, {@code Step},
	 * {@code RunContext} and, for failure handlers, {@code FunctionFailure<T>}.
	 * @param codec decodes event payloads
	 * @return the factory
	 */
	public static HandlerMethodInvokerFactory withDefaultResolvers(PayloadCodec codec) {
		return new HandlerMethodInvokerFactory(List.of(new EventArgumentResolver(codec),
				new EventBatchArgumentResolver(codec), new StepArgumentResolver(), new RunContextArgumentResolver(),
				new FunctionFailureArgumentResolver(codec)));
	}

	/**
	 * Creates the invoker of a handler method.
	 * @param bean the bean, possibly a proxy
	 * @param method the annotated method as declared, whose generic signature is read
	 * @param targetClass the class of the bean behind any proxy, against which generic
	 * types are resolved
	 * @param invocableMethod the method to call on {@code bean}, the same as
	 * {@code method} unless the bean is a JDK proxy
	 * @return the invoker
	 * @throws IllegalArgumentException naming the parameter, if a parameter is not
	 * supported or the return type is asynchronous
	 */
	public HandlerMethodInvoker create(Object bean, Method method, Class<?> targetClass, Method invocableMethod) {
		Class<?> returnType = method.getReturnType();
		if (Future.class.isAssignableFrom(returnType) || CompletionStage.class.isAssignableFrom(returnType)) {
			throw new IllegalArgumentException("return type " + returnType.getName()
					+ " is asynchronous, which is not supported; return the result itself");
		}
		List<MethodParameter> parameters = new ArrayList<>();
		List<HandlerArgumentResolver> chosen = new ArrayList<>();
		for (int i = 0; i < method.getParameterCount(); i++) {
			MethodParameter parameter = new MethodParameter(method, i).withContainingClass(targetClass);
			parameter.initParameterNameDiscovery(parameterNameDiscoverer);
			HandlerArgumentResolver resolver = resolverFor(parameter);
			int previous = chosen.indexOf(resolver);
			if (previous != -1) {
				throw new IllegalArgumentException(
						describe(parameter) + " repeats the kind of " + describe(parameters.get(previous))
								+ "; a handler declares at most one Event<T>, one Step and one RunContext");
			}
			try {
				resolver.validateParameter(parameter);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(describe(parameter) + ": " + ex.getMessage(), ex);
			}
			parameters.add(parameter);
			chosen.add(resolver);
		}
		return new HandlerMethodInvoker(bean, invocableMethod, parameters, chosen);
	}

	private HandlerArgumentResolver resolverFor(MethodParameter parameter) {
		for (HandlerArgumentResolver resolver : this.resolvers) {
			if (resolver.supportsParameter(parameter)) {
				return resolver;
			}
		}
		if (isEventBatch(parameter)) {
			throw new IllegalArgumentException(
					describe(parameter) + ": a batch of events is received as a List<Event<T>>; declare that type");
		}
		throw new IllegalArgumentException(describe(parameter) + " is not supported; a handler may declare, "
				+ "in any order, an Event<T> (or a List<Event<T>> when batched), a Step and a RunContext parameter");
	}

	private static boolean isEventBatch(MethodParameter parameter) {
		ResolvableType type = ResolvableType.forMethodParameter(parameter);
		ResolvableType element = type.isArray() ? type.getComponentType() : type.as(Collection.class).getGeneric(0);
		return element.resolve() == Event.class;
	}

	private static String describe(MethodParameter parameter) {
		String name = parameter.getParameterName();
		return "parameter " + ((name != null) ? "'" + name + "' " : "") + "(position "
				+ (parameter.getParameterIndex() + 1) + ") of type "
				+ parameter.getGenericParameterType().getTypeName();
	}

}
