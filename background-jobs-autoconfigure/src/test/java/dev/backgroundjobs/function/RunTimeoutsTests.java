package dev.backgroundjobs.function;

import java.time.Duration;

import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.Timeouts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RunTimeouts}.
 */
class RunTimeoutsTests {

	@Test
	void annotationValuesAreReadInBootsDurationFormatsAndEmptyIsNone() throws Exception {
		RunTimeouts timeouts = RunTimeouts.of(timeoutsOf("limited"));
		assertThat(timeouts.start()).isNull();
		assertThat(timeouts.finish()).isEqualTo(Duration.ofMinutes(10));
		assertThat(timeouts.step()).isEqualTo(Duration.ofSeconds(30));
		assertThat(RunTimeouts.of(timeoutsOf("unlimited"))).isEqualTo(RunTimeouts.NONE);
	}

	@Test
	void propertiesReplaceOnlyTheLimitsTheySet() throws Exception {
		RunTimeouts timeouts = RunTimeouts.of(timeoutsOf("limited"))
			.overriddenBy(Duration.ofMinutes(1), null, Duration.ofMinutes(2));
		assertThat(timeouts)
			.isEqualTo(new RunTimeouts(Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofMinutes(2)));
	}

	@Test
	void negativeValueIsRejectedNamingTheAttribute() {
		assertThatIllegalArgumentException().isThrownBy(() -> RunTimeouts.of(timeoutsOf("negative")))
			.withMessage("attribute 'timeouts.start' is '-5s'; use a positive duration, or leave it empty for no "
					+ "timeout");
	}

	@Test
	void durationsAreDescribedInTheirLargestWholeUnit() {
		assertThat(RunTimeouts.describe(Duration.ofDays(2))).isEqualTo("2d");
		assertThat(RunTimeouts.describe(Duration.ofHours(3))).isEqualTo("3h");
		assertThat(RunTimeouts.describe(Duration.ofMinutes(90))).isEqualTo("90m");
		assertThat(RunTimeouts.describe(Duration.ofSeconds(30))).isEqualTo("30s");
		assertThat(RunTimeouts.describe(Duration.ofMillis(1500))).isEqualTo("1500ms");
	}

	private static Timeouts timeoutsOf(String method) throws NoSuchMethodException {
		return Functions.class.getDeclaredMethod(method).getAnnotation(EventHandler.class).timeouts();
	}

	static class Functions {

		@EventHandler(event = "e", timeouts = @Timeouts(finish = "10m", step = "PT30S"))
		void limited() {
		}

		@EventHandler(event = "e")
		void unlimited() {
		}

		@EventHandler(event = "e", timeouts = @Timeouts(start = "-5s"))
		void negative() {
		}

	}

}
