package dev.backgroundjobs.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TopicNames}.
 */
class TopicNamesTests {

	private final TopicNames names = new TopicNames("jobs", "app");

	@Test
	void functionNamedLikeAnInternalConsumerGetsAGroupOfItsOwn() {
		assertThat(this.names.functionGroup("event-waits")).isEqualTo("app.event-waits");
		assertThat(this.names.groupFor("event-waits")).isEqualTo("app#event-waits")
			.isNotEqualTo(this.names.functionGroup("event-waits"));
	}

	@Test
	void noFunctionIdCanProduceAnInternalGroup() {
		// Function ids are letters, digits and . _ - / : only.
		assertThat(this.names.functionGroup("#event-waits")).isNotEqualTo(this.names.groupFor("event-waits"));
		assertThat(this.names.groupFor("event-waits")).doesNotStartWith("app.");
	}

}
