package dev.backgroundjobs.dashboard;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the trace id from the trace propagation headers stored with a run: W3C
 * {@code traceparent}, or B3 in its single or multiple header form.
 */
final class TraceIds {

	private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

	private static final Pattern B3 = Pattern.compile("([0-9a-f]{16}|[0-9a-f]{32})(-.*)?");

	private final JsonMapper mapper;

	TraceIds(JsonMapper mapper) {
		this.mapper = mapper;
	}

	@Nullable String find(@Nullable String traceContext) {
		if (traceContext == null) {
			return null;
		}
		JsonNode headers;
		try {
			headers = this.mapper.readTree(traceContext);
		}
		catch (JacksonException ex) {
			return null;
		}
		String traceId = group(TRACEPARENT, value(headers, "traceparent"));
		if (traceId == null) {
			traceId = group(B3, value(headers, "b3"));
		}
		return (traceId != null) ? traceId : group(B3, value(headers, "x-b3-traceid"));
	}

	private static @Nullable String value(JsonNode headers, String name) {
		for (String field : headers.propertyNames()) {
			if (field.equalsIgnoreCase(name) && headers.get(field).isString()) {
				return headers.get(field).asString().trim().toLowerCase(Locale.ROOT);
			}
		}
		return null;
	}

	private static @Nullable String group(Pattern pattern, @Nullable String value) {
		if (value == null) {
			return null;
		}
		Matcher matcher = pattern.matcher(value);
		return matcher.matches() ? matcher.group(1) : null;
	}

}
