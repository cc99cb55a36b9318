package dev.backgroundjobs.function.invoke;

import org.jspecify.annotations.Nullable;

/**
 * Calls one handler method, resolving each argument from the invocation.
 */
public final class HandlerMethodInvoker {

	/**
	 * Invokes the handler.
	 * @param invocation the run's context, step API and event
	 * @return the handler's return value
	 * @throws Exception whatever the handler threw, unwrapped
	 */
	public @Nullable Object invoke(Invocation invocation) throws Exception {
		throw new UnsupportedOperationException("not yet implemented");
	}

}
