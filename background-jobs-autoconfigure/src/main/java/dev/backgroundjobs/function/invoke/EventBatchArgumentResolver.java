package dev.backgroundjobs.function.invoke;

import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.json.PayloadException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.util.Assert;

/**
 * Resolves a {@code List<Event<T>>} parameter of a batched function to the events of the
 * run's batch, in the order they arrived, decoding each payload to {@code T} as
 * {@link EventArgumentResolver} does for one {@code Event<T>}. The run's stored event
 * holds the batch as a JSON array of {@code {"id", "name", "timestamp", "data"}} objects.
 */
public final class EventBatchArgumentResolver implements HandlerArgumentResolver {

	private final PayloadCodec codec;

	private final Map<MethodParameter, Type> payloadTypes = new ConcurrentHashMap<>();

	/**
	 * Creates a resolver.
	 * @param codec decodes payloads
	 */
	public EventBatchArgumentResolver(PayloadCodec codec) {
		Assert.notNull(codec, "'codec' must not be null");
		this.codec = codec;
	}

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == List.class
				&& ResolvableType.forMethodParameter(parameter).getGeneric(0).resolve() == Event.class;
	}

	@Override
	public void validateParameter(MethodParameter parameter) {
		payloadType(parameter);
	}

	@Override
	public List<Event<Object>> resolve(MethodParameter parameter, Invocation invocation) {
		StoredEvent batch = invocation.event();
		String function = "function '" + invocation.context().functionId() + "'";
		JsonNode events;
		try {
			events = this.codec.mapper().readTree(batch.dataJson());
		}
		catch (JacksonException ex) {
			throw new PayloadException("Cannot read the events of batch " + batch.id() + " for " + function, ex);
		}
		if (events == null || !events.isArray()) {
			throw new PayloadException("Cannot read the events of batch " + batch.id() + " for " + function
					+ ": its data is not a JSON array of events; was it recorded for a function without 'batch'?",
					null);
		}
		Type payloadType = payloadType(parameter);
		List<Event<Object>> result = new ArrayList<>(events.size());
		for (JsonNode event : events) {
			String id = event.path("id").asString();
			String name = event.path("name").asString();
			String what = "the data of event '" + name + "' (id " + id + ") in batch " + batch.id() + " for "
					+ function;
			Object data = this.codec.decode(event.path("data").toString(), payloadType, what);
			if (data == null) {
				throw new PayloadException("Cannot read " + what + ": it is JSON null and an Event requires data; "
						+ "publish a non-null payload", null);
			}
			result.add(new Event<>(id, name, data, Instant.parse(event.path("timestamp").asString())));
		}
		return List.copyOf(result);
	}

	private Type payloadType(MethodParameter parameter) {
		return this.payloadTypes.computeIfAbsent(parameter, (key) -> EventArgumentResolver
			.resolvePayloadType(ResolvableType.forMethodParameter(key).getGeneric(0), key));
	}

}
