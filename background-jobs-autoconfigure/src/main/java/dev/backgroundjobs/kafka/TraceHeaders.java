package dev.backgroundjobs.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.backgroundjobs.json.PayloadCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * Captures the trace propagation headers of an event's record (W3C {@code traceparent},
 * B3 and whatever else the publishing side's propagator wrote), so that the run, which
 * may execute much later, continues the publishing request's trace.
 */
final class TraceHeaders {

	private static final int MAX_LENGTH = 4000;

	private static final int MAX_VALUE_LENGTH = 512;

	private TraceHeaders() {
	}

	/**
	 * Returns the record's headers other than the event headers, as a JSON object.
	 * @param record the record
	 * @param codec encodes the JSON
	 * @return the JSON, or {@code null} when there are none or they are too large to keep
	 */
	static @Nullable String capture(ConsumerRecord<String, byte[]> record, PayloadCodec codec) {
		Map<String, String> headers = new LinkedHashMap<>();
		for (Header header : record.headers()) {
			if (!header.key().startsWith("bj-") && header.value() != null
					&& header.value().length <= MAX_VALUE_LENGTH) {
				headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
			}
		}
		if (headers.isEmpty()) {
			return null;
		}
		String json = codec.encode(headers, "trace headers");
		return (json.length() <= MAX_LENGTH) ? json : null;
	}

}
