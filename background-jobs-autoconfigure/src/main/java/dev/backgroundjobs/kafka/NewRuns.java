package dev.backgroundjobs.kafka;

import java.util.ArrayList;
import java.util.List;

import dev.backgroundjobs.function.CancelRule;
import dev.backgroundjobs.function.ConcurrencyLimit;
import dev.backgroundjobs.function.Debouncing;
import dev.backgroundjobs.function.FunctionDefinition;
import dev.backgroundjobs.function.IntakeGate;
import dev.backgroundjobs.function.RunPriority;
import dev.backgroundjobs.function.SingletonRule;
import dev.backgroundjobs.function.Throttling;
import dev.backgroundjobs.json.MatchExpression;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.store.NewRun;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Makes the run of an arriving event for one function, with the keys that the function's
 * {@code cancelOn} and flow control read from the event's data. The data is parsed only
 * for a function that declares any of them, so the others pay nothing. Stateless beyond
 * its function, so safe to share between threads.
 */
final class NewRuns {

	private final FunctionDefinition function;

	private final PayloadCodec codec;

	NewRuns(FunctionDefinition function, PayloadCodec codec) {
		this.function = function;
		this.codec = codec;
	}

	/**
	 * Makes the run of an event.
	 * @param event the event
	 * @param traceContext the trace propagation headers of its publication, or
	 * {@code null}
	 * @return the run to record
	 */
	NewRun of(IncomingEvent event, @Nullable String traceContext) {
		JsonNode data = (this.function.cancelRules().isEmpty() && !this.function.limitsIntake()) ? null
				: this.codec.mapper().readTree(event.dataJson());
		return new NewRun(NewRun.deriveRunId(this.function.id(), event.id()), this.function.id(), event.id(),
				event.name(), event.dataJson(), event.timestamp(), traceContext, cancelKeys(data), gates(data),
				throttle(data), slot(event.name(), data), debounce(data), singletonKey(data));
	}

	/**
	 * Reads the values by which the function's {@code cancelOn} events cancel the run of
	 * an event.
	 */
	private List<NewRun.CancelKey> cancelKeys(@Nullable JsonNode data) {
		if (data == null || this.function.cancelRules().isEmpty()) {
			return List.of();
		}
		List<NewRun.CancelKey> keys = new ArrayList<>();
		for (CancelRule rule : this.function.cancelRules()) {
			String value = MatchExpression.valueAt(data, rule.match().triggerPath());
			if (value != null) {
				keys.add(new NewRun.CancelKey(rule.eventName(), rule.match().awaitedPath(), value));
			}
		}
		return keys;
	}

	/**
	 * Reads the keys of the function's {@code idempotency} and {@code rateLimit} gates
	 * from an event. An event without an idempotency key is not deduplicated by key;
	 * events without a rate limit key share one count.
	 */
	private List<NewRun.Gate> gates(@Nullable JsonNode data) {
		if (data == null || this.function.gates().isEmpty()) {
			return List.of();
		}
		List<NewRun.Gate> gates = new ArrayList<>(this.function.gates().size());
		for (IntakeGate gate : this.function.gates()) {
			String value = valueAt(data, gate.keyPath());
			if (value == null && gate.kind() == IntakeGate.Kind.IDEMPOTENCY) {
				continue;
			}
			gates.add(new NewRun.Gate(gate.kind().reason(), (value != null) ? value : "", gate.limit(), gate.period()));
		}
		return gates;
	}

	/**
	 * Reads the key of the function's throttle from an event. Events without a key share
	 * one throttle.
	 */
	private NewRun.@Nullable Throttle throttle(@Nullable JsonNode data) {
		Throttling throttle = this.function.throttle();
		if (data == null || throttle == null) {
			return null;
		}
		return new NewRun.Throttle(keyAt(data, throttle.keyPath()), throttle.limit(), throttle.period(),
				throttle.burst());
	}

	/**
	 * Reads the key of the function's {@code concurrency} limit from an event, and
	 * evaluates its {@code priority}. Events without a key share one limit.
	 */
	private NewRun.@Nullable Slot slot(String eventName, @Nullable JsonNode data) {
		ConcurrencyLimit limit = this.function.concurrency();
		if (data == null || limit == null) {
			return null;
		}
		RunPriority priority = limit.priority();
		int secondsAhead = (priority != null)
				? priority.secondsAhead(this.function.id(), eventName, data, this.codec.mapper()) : 0;
		return new NewRun.Slot(keyAt(data, limit.keyPath()), limit.limit(), secondsAhead, limit.reason());
	}

	/**
	 * Reads the key of the function's debounce from an event. Events without a key share
	 * one key.
	 */
	private NewRun.@Nullable Debounce debounce(@Nullable JsonNode data) {
		Debouncing debounce = this.function.debounce();
		if (data == null || debounce == null) {
			return null;
		}
		return new NewRun.Debounce(keyAt(data, debounce.keyPath()), debounce.period(), debounce.timeout());
	}

	/**
	 * Reads the singleton key of the function from an event. Events without a value at
	 * the key's path share one key.
	 */
	private NewRun.@Nullable SingletonKey singletonKey(@Nullable JsonNode data) {
		SingletonRule singleton = this.function.singleton();
		if (data == null || singleton == null) {
			return null;
		}
		return new NewRun.SingletonKey(keyAt(data, singleton.keyPath()), singleton.mode(), singleton.describe());
	}

	/**
	 * Reads the value at a key's path in an event's data.
	 * @return the value, or {@code null} if no path is set or the event has no value
	 * there
	 */
	private static @Nullable String valueAt(JsonNode data, @Nullable String keyPath) {
		return (keyPath != null) ? MatchExpression.valueAt(data, keyPath) : null;
	}

	/**
	 * Reads the key of a kind of flow control from an event: the value at its path, or an
	 * empty string, the one key that events without a value (or a function without a
	 * path) share.
	 */
	private static String keyAt(JsonNode data, @Nullable String keyPath) {
		String value = valueAt(data, keyPath);
		return (value != null) ? value : "";
	}

}
