package dev.backgroundjobs.dashboard;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TraceIds}.
 */
class TraceIdsTests {

	private final TraceIds traceIds = new TraceIds(JsonMapper.builder().build());

	@Test
	void traceIdIsReadFromW3cTraceparent() {
		assertThat(this.traceIds.find("{\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}"))
			.isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
	}

	@Test
	void traceIdIsReadFromSingleB3Header() {
		assertThat(this.traceIds.find("{\"b3\":\"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\"}"))
			.isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
	}

	@Test
	void traceIdIsReadFromMultipleB3HeadersWhateverTheirCase() {
		assertThat(this.traceIds.find("{\"X-B3-TraceId\":\"463ac35c9f6413ad\",\"X-B3-SpanId\":\"a2fb4a1d1a96d312\"}"))
			.isEqualTo("463ac35c9f6413ad");
	}

	@Test
	void runsWithoutTraceHeadersHaveNoTraceId() {
		assertThat(this.traceIds.find(null)).isNull();
		assertThat(this.traceIds.find("{\"other\":\"value\"}")).isNull();
		assertThat(this.traceIds.find("{\"traceparent\":\"not a traceparent\"}")).isNull();
		assertThat(this.traceIds.find("not json")).isNull();
	}

}
