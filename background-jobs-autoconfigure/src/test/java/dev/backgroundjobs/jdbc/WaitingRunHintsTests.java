package dev.backgroundjobs.jdbc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WaitingRunHints}.
 */
class WaitingRunHintsTests {

	private final WaitingRunHints hints = new WaitingRunHints();

	@Test
	void noRunIsKnownToWaitAtFirst() {
		assertThat(this.hints.current("fn")).isNull();
	}

	@Test
	void lookThatFindsTheQueueEmptyRemovesTheHintItRead() {
		this.hints.note("fn");
		Long seen = this.hints.current("fn");
		this.hints.foundEmpty("fn", seen);
		assertThat(this.hints.current("fn")).isNull();
	}

	@Test
	void runsThatStartWaitingDuringALookKeepTheirHint() {
		this.hints.note("fn");
		Long seen = this.hints.current("fn");
		// An intake commits waiting runs after the look read its hint, and after its
		// query ran: the look found the queue empty, but the runs wait.
		this.hints.note("fn");
		this.hints.foundEmpty("fn", seen);
		assertThat(this.hints.current("fn")).isNotNull();
	}

	@Test
	void runsThatStartWaitingDuringALookWithoutAHintKeepTheirHint() {
		Long seen = this.hints.current("fn");
		this.hints.note("fn");
		this.hints.foundEmpty("fn", seen);
		assertThat(this.hints.current("fn")).isNotNull();
	}

	@Test
	void hintsOfFunctionsAreApart() {
		this.hints.note("fn");
		assertThat(this.hints.current("other")).isNull();
		this.hints.foundEmpty("other", null);
		assertThat(this.hints.current("fn")).isNotNull();
	}

}
