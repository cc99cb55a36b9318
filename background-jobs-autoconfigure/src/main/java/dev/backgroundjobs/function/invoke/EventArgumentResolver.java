package dev.backgroundjobs.function.invoke;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

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
		return this.payloadTypes.computeIfAbsent(parameter, (key) -> resolvePayloadType(key, "Event"));
	}

	/**
	 * Resolves the type argument of a parameter of a type with one type parameter, the
	 * payload type.
	 * @param parameter the parameter
	 * @param kind the simple name of the parameter's type, for the error message
	 * @return the payload type, {@code JsonNode} for a raw type or a wildcard
	 * @throws IllegalArgumentException if the type is a type variable that cannot be
	 * resolved
	 */
	static Type resolvePayloadType(MethodParameter parameter, String kind) {
		if (!(parameter.getGenericParameterType() instanceof ParameterizedType)) {
			return JsonNode.class;
		}
		return resolvePayloadType(ResolvableType.forMethodParameter(parameter), parameter);
	}

	/**
	 * Resolves the type argument of an {@code Event} type, the payload type.
	 * @param eventType the event type, such as {@code Event<Order>}
	 * @param parameter the parameter that declares it, for the error message
	 * @return the payload type, {@code JsonNode} for a raw type or a wildcard
	 * @throws IllegalArgumentException if the type is a type variable that cannot be
	 * resolved
	 */
	static Type resolvePayloadType(ResolvableType eventType, MethodParameter parameter) {
		if (!eventType.hasGenerics()) {
			return JsonNode.class;
		}
		ResolvableType dataType = eventType.getGeneric(0);
		if (isUnbounded(dataType.getType())) {
			return JsonNode.class;
		}
		if (dataType.resolve() == null) {
			throw new IllegalArgumentException("the payload type " + dataType.getType().getTypeName()
					+ " of Event parameter '" + parameter.getParameterName()
					+ "' cannot be resolved; declare a concrete type such as Event<MyPayload>, "
					+ "or Event<?> to receive a JsonNode");
		}
		return toType(dataType);
	}

	/**
	 * Converts a resolved type to a reflective type that keeps its type arguments, so
	 * that {@code Event<T>} declared by a superclass as {@code T} and bound by the bean's
	 * class to {@code List<Order>} decodes a {@code List<Order>}, not a raw {@code List}.
	 */
	private static Type toType(ResolvableType type) {
		Class<?> rawClass = type.toClass();
		if (type.isArray()) {
			Type component = toType(type.getComponentType());
			return (component instanceof Class<?> componentClass) ? componentClass.arrayType()
					: (GenericArrayType) () -> component;
		}
		if (rawClass.getTypeParameters().length == 0 || !type.hasGenerics()) {
			return rawClass;
		}
		ResolvableType[] generics = type.getGenerics();
		Type[] arguments = new Type[generics.length];
		for (int i = 0; i < generics.length; i++) {
			arguments[i] = toType(generics[i]);
		}
		return new ResolvedParameterizedType(rawClass, arguments);
	}

	private static boolean isUnbounded(Type type) {
		return type instanceof WildcardType wildcard && wildcard.getLowerBounds().length == 0
				&& (wildcard.getUpperBounds().length == 0 || wildcard.getUpperBounds()[0] == Object.class);
	}

	record ResolvedParameterizedType(Class<?> rawType, Type[] actualTypeArguments) implements ParameterizedType {

		@Override
		public Type getRawType() {
			return this.rawType;
		}

		@Override
		public Type[] getActualTypeArguments() {
			return this.actualTypeArguments.clone();
		}

		@Override
		public @Nullable Type getOwnerType() {
			return null;
		}

		@Override
		public String getTypeName() {
			return this.rawType.getName() + Arrays.stream(this.actualTypeArguments)
				.map(Type::getTypeName)
				.collect(Collectors.joining(", ", "<", ">"));
		}

	}

}
