package dev.backgroundjobs.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HeldRuns}.
 */
class HeldRunsTests {

	private final HeldRuns held = new HeldRuns();

	@Test
	void runHeldTwiceStaysHeldUntilBothHoldersReleaseIt() {
		this.held.hold("run-1");
		this.held.hold("run-1");
		this.held.hold("run-2");
		this.held.release("run-1");
		assertThat(this.held.runIds()).containsExactlyInAnyOrder("run-1", "run-2");
		this.held.release("run-1");
		assertThat(this.held.contains("run-1")).isFalse();
		assertThat(this.held.runIds()).containsExactly("run-2");
	}

	@Test
	void releasingARunThatIsNotHeldChangesNothing() {
		this.held.release("run-1");
		assertThat(this.held.runIds()).isEmpty();
	}

}
