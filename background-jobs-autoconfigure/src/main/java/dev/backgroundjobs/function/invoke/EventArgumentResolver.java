package dev.backgroundjobs.function.invoke;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import tools.jackson.databind.JsonNode;

import org.springframework.core.GenericTypeResolver;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;

/**
 * Resolves an {@link Event Event&lt;T&gt;} parameter to the triggering event, decoding
 * its JSON payload to {@code T} as read from the parameter's generic type: a record, a
 * POJO, a {@code Map}, a {@code JsonNode}, a {@code String} or any other type the
 * application's Jackson mapper reads, generic ones included. A raw {@code Event} or an
 * {@code Event<?>} receives its payload as a {@link JsonNode}.
 */
public final class EventArgumentResolver implements HandlerArgumentResolver {

	private final PayloadCodec codec;

	private final Map<MethodParameter, Type> payloadTypes = new ConcurrentHashMap<>();

	/**
	 * Creates a resolver.
	 * @param codec decodes payloads
	 */
	public EventArgumentResolver(PayloadCodec codec) {
		Assert.notNull(codec, "'codec' must not be null");
		this.codec = codec;
	}

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == Event.class;
	}

	@Override
	public void validateParameter(MethodParameter parameter) {
		payloadType(parameter);
	}

	@Override
	public Event<Object> resolve(MethodParameter parameter, Invocation invocation) {
		StoredEvent event = invocation.event();
		String what = "the data of event '" + event.name() + "' (id " + event.id() + ") for function '"
				+ invocation.context().functionId() + "'";
		Object data = this.codec.decode(event.dataJson(), payloadType(parameter), what);
		if (data == null) {
			throw new PayloadException("Cannot read " + what + ": it is JSON null and an Event requires data; "
					+ "publish a non-null payload", null);
		}
		return new Event<>(event.id(), event.name(), data, event.timestamp());
	}

	/**
	 * Returns the payload type of an {@code Event} parameter.
	 * @param parameter the parameter
	 * @return the payload type, resolved against the bean's class
	 * @throws IllegalArgumentException if the type is a type variable that cannot be
	 * resolved
	 */
	Type payloadType(MethodParameter parameter) {
		return this.payloadTypes.computeIfAbsent(parameter, EventArgumentResolver::resolvePayloadType);
	}

	private static Type resolvePayloadType(MethodParameter parameter) {
		if (!(parameter.getGenericParameterType() instanceof ParameterizedType)) {
			return JsonNode.class;
		}
		ResolvableType dataType = ResolvableType.forMethodParameter(parameter).getGeneric(0);
		if (isUnbounded(dataType.getType())) {
			return JsonNode.class;
		}
		Class<?> dataClass = dataType.resolve();
		if (dataClass == null) {
			throw new IllegalArgumentException("the payload type " + dataType.getType().getTypeName()
					+ " of Event parameter '" + parameter.getParameterName()
					+ "' cannot be resolved; declare a concrete type such as Event<MyPayload>, "
					+ "or Event<?> to receive a JsonNode");
		}
		Type resolved = GenericTypeResolver.resolveType(dataType.getType(), parameter.getContainingClass());
		return (resolved instanceof TypeVariable<?>) ? dataClass : resolved;
	}

	private static boolean isUnbounded(Type type) {
		return type instanceof WildcardType wildcard && wildcard.getLowerBounds().length == 0
				&& (wildcard.getUpperBounds().length == 0 || wildcard.getUpperBounds()[0] == Object.class);
	}

}
