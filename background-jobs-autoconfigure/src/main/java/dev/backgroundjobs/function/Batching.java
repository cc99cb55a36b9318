package dev.backgroundjobs.function;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.backgroundjobs.Batch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;

/**
 * Validates a handler's {@link EventHandler#batch()}, with its property overrides, into
 * {@link BatchSettings}, and checks that the handler takes a {@code List<Event<T>>}
 * exactly when it is batched.
 */
final class Batching {

	private final Map<String, FlowControlOverrides> overrides;

	Batching(Map<String, FlowControlOverrides> overrides) {
		this.overrides = Map.copyOf(overrides);
	}

	@Nullable BatchSettings resolve(HandlerCandidate candidate, String functionId, List<IntakeGate> gates,
			List<String> problems) {
		EventHandler annotation = candidate.annotation();
		Batch batch = annotation.batch();
		FlowControlOverrides override = this.overrides.getOrDefault(functionId, FlowControlOverrides.NONE);
		boolean takesList = takesEventList(candidate.method());
		int maxSize = (override.batchMaxSize() != null) ? override.batchMaxSize() : batch.maxSize();
		if (batch.maxSize() == 0 && override.batchMaxSize() == null) {
			if (!batch.key().isBlank() || !batch.timeout().isBlank()) {
				problems.add(candidate.problem("attribute 'batch' sets a key or timeout but no 'maxSize'; "
						+ "set maxSize, such as batch = @Batch(maxSize = 100, timeout = \"5s\")"));
			}
			else if (override.batchTimeout() != null) {
				problems.add(candidate.problem("property 'background-jobs.functions." + functionId
						+ ".batch.timeout' is set, but neither the function nor 'batch.max-size' sets a batch size"));
			}
			if (takesList) {
				problems.add(candidate.problem("a List<Event<T>> parameter receives a batch of events, but the "
						+ "function declares no 'batch'; add batch = @Batch(maxSize = 100, timeout = \"5s\"), "
						+ "or take one Event<T>"));
			}
			return null;
		}
		int before = problems.size();
		if (maxSize < 1 || maxSize > BatchSettings.MAX_SIZE) {
			problems.add(candidate.problem(
					"attribute 'batch.maxSize' is " + maxSize + "; use a size from 1 to " + BatchSettings.MAX_SIZE));
		}
		Duration timeout = (override.batchTimeout() != null) ? override.batchTimeout() : timeout(candidate, batch);
		if (timeout == null) {
			problems.add(candidate.problem("attribute 'batch.timeout' is '" + batch.timeout()
					+ "', which is not a positive duration; set the longest wait of a batch from its first event, "
					+ "such as \"5s\" or \"1m\""));
		}
		String keyPath = batch.key().isBlank() ? null
				: FlowControlAttributes.keyPath(candidate, "batch.key", batch.key(), "data.customerId", problems);
		if (annotation.event().length == 0 || !annotation.cron().isEmpty()) {
			problems.add(candidate.problem("attribute 'batch' needs 'event' triggers and no 'cron': "
					+ "a batch collects the function's events"));
		}
		if (!gates.isEmpty() || annotation.cancelOn().length > 0) {
			problems.add(candidate.problem("attribute 'batch' cannot be combined with 'idempotency', 'rateLimit' "
					+ "or 'cancelOn', which act on the run of each event; remove them or the batch"));
		}
		if (!takesList) {
			problems.add(candidate.problem("attribute 'batch' is set, but the method takes no List<Event<T>> "
					+ "parameter to receive the batch; declare one in place of Event<T>"));
		}
		else if (takesEvent(candidate.method())) {
			problems.add(candidate.problem("a batched function receives its events as one List<Event<T>>; "
					+ "remove the Event<T> parameter"));
		}
		return (problems.size() > before || timeout == null) ? null : new BatchSettings(maxSize, timeout, keyPath);
	}

	private static @Nullable Duration timeout(HandlerCandidate candidate, Batch batch) {
		try {
			Duration timeout = DurationStyle.detectAndParse(batch.timeout().strip());
			return (timeout.isNegative() || timeout.isZero()) ? null : timeout;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static boolean takesEvent(Method method) {
		for (Class<?> type : method.getParameterTypes()) {
			if (type == Event.class) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Returns whether a method takes a collection or array of {@link Event}s.
	 * @param method the method
	 * @return whether it takes a batch of events
	 */
	static boolean takesEventList(Method method) {
		for (int i = 0; i < method.getParameterCount(); i++) {
			ResolvableType type = ResolvableType.forMethodParameter(new MethodParameter(method, i));
			ResolvableType element = type.isArray() ? type.getComponentType() : type.as(Collection.class).getGeneric(0);
			if (element.resolve() == Event.class) {
				return true;
			}
		}
		return false;
	}

}
