package dev.backgroundjobs.function.invoke;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.FunctionFailure;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;

import org.springframework.core.MethodParameter;
import org.springframework.util.Assert;

/**
 * Resolves a {@link FunctionFailure FunctionFailure&lt;T&gt;} parameter of a failure
 * handler to the failure that started its run, decoding the original event's payload to
 * {@code T} as read from the parameter's generic type, as {@link EventArgumentResolver}
 * does for an {@code Event<T>}.
 */
public final class FunctionFailureArgumentResolver implements HandlerArgumentResolver {

	private final PayloadCodec codec;

	private final Map<MethodParameter, Type> failureTypes = new ConcurrentHashMap<>();

	/**
	 * Creates a resolver.
	 * @param codec decodes payloads
	 */
	public FunctionFailureArgumentResolver(PayloadCodec codec) {
		Assert.notNull(codec, "'codec' must not be null");
		this.codec = codec;
	}

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == FunctionFailure.class;
	}

	@Override
	public void validateParameter(MethodParameter parameter) {
		failureType(parameter);
	}

	@Override
	public Object resolve(MethodParameter parameter, Invocation invocation) {
		StoredEvent event = invocation.event();
		String what = "the failure in event '" + event.name() + "' (id " + event.id() + ") for function '"
				+ invocation.context().functionId() + "'";
		Object failure = this.codec.decode(event.dataJson(), failureType(parameter), what);
		if (failure == null) {
			throw new PayloadException("Cannot read " + what + ": it is JSON null", null);
		}
		return failure;
	}

	private Type failureType(MethodParameter parameter) {
		return this.failureTypes.computeIfAbsent(parameter,
				(key) -> new EventArgumentResolver.ResolvedParameterizedType(FunctionFailure.class,
						new Type[] { EventArgumentResolver.resolvePayloadType(key, "FunctionFailure") }));
	}

}
