package dev.backgroundjobs.json;

import java.util.regex.Pattern;

import dev.backgroundjobs.store.KeyDigest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Which awaited event matches a waiting run: a field of the run's triggering event must
 * equal a field of the awaited event.
 * <p>
 * Two forms are accepted:
 * <ul>
 * <li>a path, such as {@code data.documentId}: the same field of both events;</li>
 * <li>{@code event.<path> == async.<path>}, such as
 * {@code event.data.documentId == async.data.document.id}: {@code event} is the
 * triggering event and {@code async} the awaited one (either side may come first).</li>
 * </ul>
 * A path is {@code data} followed by one or more field names separated by dots; it reads
 * the event's payload. Values are compared as JSON scalars (a string {@code "42"} and a
 * number {@code 42} do not match). A field that is missing, null, an object or an array
 * matches nothing.
 *
 * @param triggerPath the path in the triggering event
 * @param awaitedPath the path in the awaited event
 */
public record MatchExpression(String triggerPath, String awaitedPath) {

	private static final Pattern PATH = Pattern.compile("data(\\.[A-Za-z0-9_$-]+)+");

	private static final int MAX_VALUE_LENGTH = 200;

	/**
	 * Parses an expression.
	 * @param expression the expression
	 * @return the parsed expression
	 * @throws IllegalArgumentException if it is not valid, with the reason
	 */
	public static MatchExpression parse(String expression) {
		String text = (expression != null) ? expression.strip() : "";
		int equals = text.indexOf("==");
		if (equals < 0) {
			return new MatchExpression(path(text, text), path(text, text));
		}
		String left = text.substring(0, equals).strip();
		String right = text.substring(equals + 2).strip();
		if (left.startsWith("async.") && right.startsWith("event.")) {
			String swap = left;
			left = right;
			right = swap;
		}
		if (!left.startsWith("event.") || !right.startsWith("async.")) {
			throw invalid(text, "compare 'event.<path>' (the triggering event) with 'async.<path>' (the awaited one)");
		}
		return new MatchExpression(path(text, left.substring(6)), path(text, right.substring(6)));
	}

	private static String path(String expression, String path) {
		if (!PATH.matcher(path).matches()) {
			throw invalid(expression, "'" + path + "' is not a path such as 'data.documentId'");
		}
		return path;
	}

	private static IllegalArgumentException invalid(String expression, String reason) {
		return new IllegalArgumentException("Match expression '" + expression + "' is not valid: " + reason);
	}

	/**
	 * Reads the value a path selects in an event payload, as the key stored and looked up
	 * for matching: the text of a JSON scalar, typed so that a string and a number
	 * differ, and hashed when long so that it fits an index.
	 * @param data the event payload
	 * @param path the path, starting with {@code data}
	 * @return the key, or {@code null} if the field is missing or not a scalar
	 */
	public static @Nullable String valueAt(JsonNode data, String path) {
		JsonNode node = data;
		for (String field : path.substring("data.".length()).split("\\.")) {
			node = node.get(field);
			if (node == null) {
				return null;
			}
		}
		if (node.isNull() || node.isContainer()) {
			return null;
		}
		String key = (node.isString() ? "s:" : "v:") + (node.isString() ? node.asString() : node.toString());
		return (key.length() <= MAX_VALUE_LENGTH) ? key : "h:" + KeyDigest.sha256Hex(key);
	}

}
