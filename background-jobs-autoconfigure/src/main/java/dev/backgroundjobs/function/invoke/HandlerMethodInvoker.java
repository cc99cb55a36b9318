package dev.backgroundjobs.function.invoke;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.util.Assert;
import org.springframework.util.ReflectionUtils;

/**
 * Calls one handler method, resolving each argument from the invocation. Built once per
 * function at start-up by a {@link HandlerMethodInvokerFactory}, with the resolver of
 * each parameter already chosen, so an invocation does no lookup.
 */
public final class HandlerMethodInvoker {

	private final Object bean;

	private final Method method;

	private final MethodParameter[] parameters;

	private final HandlerArgumentResolver[] resolvers;

	/**
	 * Creates an invoker.
	 * @param bean the bean to invoke the method on, possibly a proxy
	 * @param method the method to invoke, callable on the bean (for a JDK proxy, the
	 * interface method)
	 * @param parameters the method's parameters, in order
	 * @param resolvers the resolver of each parameter, in the same order
	 */
	public HandlerMethodInvoker(Object bean, Method method, List<MethodParameter> parameters,
			List<HandlerArgumentResolver> resolvers) {
		Assert.notNull(bean, "'bean' must not be null");
		Assert.notNull(method, "'method' must not be null");
		Assert.isTrue(parameters.size() == method.getParameterCount(),
				"'parameters' must hold one entry per method parameter");
		Assert.isTrue(resolvers.size() == parameters.size(), "'resolvers' must hold one entry per parameter");
		ReflectionUtils.makeAccessible(method);
		this.bean = bean;
		this.method = method;
		this.parameters = parameters.toArray(new MethodParameter[0]);
		this.resolvers = resolvers.toArray(new HandlerArgumentResolver[0]);
	}

	/**
	 * Invokes the handler.
	 * @param invocation the run's context, step API and event
	 * @return the handler's return value
	 * @throws Exception whatever the handler threw, unwrapped, or an exception from an
	 * argument resolver, such as a {@link dev.backgroundjobs.json.PayloadException
	 * PayloadException} when the event's data cannot be read as the declared type
	 */
	public @Nullable Object invoke(Invocation invocation) throws Exception {
		@Nullable Object[] arguments = new Object[this.parameters.length];
		for (int i = 0; i < arguments.length; i++) {
			arguments[i] = this.resolvers[i].resolve(this.parameters[i], invocation);
		}
		try {
			return this.method.invoke(this.bean, arguments);
		}
		catch (InvocationTargetException ex) {
			Throwable target = ex.getTargetException();
			if (target instanceof Exception exception) {
				throw exception;
			}
			if (target instanceof Error error) {
				throw error;
			}
			throw new UndeclaredThrowableException(target);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot invoke handler method " + this.method, ex);
		}
	}

	/**
	 * Returns the method this invoker calls.
	 * @return the method
	 */
	public Method getMethod() {
		return this.method;
	}

}
