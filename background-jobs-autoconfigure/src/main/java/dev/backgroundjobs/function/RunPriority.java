package dev.backgroundjobs.function;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.backgroundjobs.Priority;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.core.log.LogAccessor;
import org.springframework.expression.AccessException;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.TypedValue;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * A parsed {@link Priority#aheadSeconds()}: evaluates to the seconds by which a run moves
 * ahead in its function's queue. Evaluation is read-only
 * ({@link SimpleEvaluationContext}: no types, constructors or bean references), over the
 * event's name and its payload as maps, so an expression cannot reach anything but the
 * event. Immutable and thread-safe.
 */
public final class RunPriority {

	private static final LogAccessor logger = new LogAccessor(RunPriority.class);

	private static final SpelExpressionParser parser = new SpelExpressionParser();

	private static final EvaluationContext context = SimpleEvaluationContext
		.forPropertyAccessors(new LenientMapAccessor())
		.withInstanceMethods()
		.build();

	private final String source;

	private final Expression expression;

	private RunPriority(String source, Expression expression) {
		this.source = source;
		this.expression = expression;
	}

	/**
	 * Parses an expression.
	 * @param source the expression
	 * @return the priority
	 * @throws IllegalArgumentException if it does not parse, with the reason
	 */
	public static RunPriority parse(String source) {
		try {
			return new RunPriority(source, parser.parseExpression(source));
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
	}

	/**
	 * Returns the seconds by which a run moves ahead, capped at
	 * {@link Priority#MAX_SECONDS} either way. An expression that fails or gives no
	 * number for this event gives {@code 0}, with a warning: the run is never lost for
	 * its priority.
	 * @param functionId the function, for the warning
	 * @param eventName the event's name
	 * @param data the event's payload
	 * @param mapper converts the payload to maps
	 * @return the seconds ahead
	 */
	public int secondsAhead(String functionId, String eventName, JsonNode data, ObjectMapper mapper) {
		Object value;
		try {
			Map<String, @Nullable Object> root = new LinkedHashMap<>();
			root.put("name", eventName);
			root.put("data", mapper.convertValue(data, Object.class));
			value = this.expression.getValue(context, root);
		}
		catch (RuntimeException ex) {
			logger.warn(() -> "Priority '" + this.source + "' of function '" + functionId + "' failed for an event "
					+ "of '" + eventName + "' (" + ex.getMessage() + "); its run has priority 0");
			return 0;
		}
		if (!(value instanceof Number number)) {
			logger.warn(() -> "Priority '" + this.source + "' of function '" + functionId + "' gave "
					+ ((value != null) ? "a " + value.getClass().getSimpleName() : "null")
					+ ", not a number, for an event of '" + eventName + "'; its run has priority 0");
			return 0;
		}
		double seconds = number.doubleValue();
		if (Double.isNaN(seconds)) {
			return 0;
		}
		return (int) Math.round(Math.max(-Priority.MAX_SECONDS, Math.min(Priority.MAX_SECONDS, seconds)));
	}

	@Override
	public String toString() {
		return this.source;
	}

	/**
	 * Reads map entries as properties, a missing one as {@code null}: an event without an
	 * optional field is not an error.
	 */
	private static final class LenientMapAccessor implements PropertyAccessor {

		@Override
		public Class<?>[] getSpecificTargetClasses() {
			return new Class<?>[] { Map.class };
		}

		@Override
		public boolean canRead(EvaluationContext context, @Nullable Object target, String name) {
			return target instanceof Map;
		}

		@Override
		public TypedValue read(EvaluationContext context, @Nullable Object target, String name) throws AccessException {
			Object value = (target instanceof Map<?, ?> map) ? map.get(name) : null;
			return (value != null) ? new TypedValue(value) : TypedValue.NULL;
		}

		@Override
		public boolean canWrite(EvaluationContext context, @Nullable Object target, String name) {
			return false;
		}

		@Override
		public void write(EvaluationContext context, @Nullable Object target, String name, @Nullable Object newValue)
				throws AccessException {
			throw new AccessException("Priority expressions cannot write");
		}

	}

}
