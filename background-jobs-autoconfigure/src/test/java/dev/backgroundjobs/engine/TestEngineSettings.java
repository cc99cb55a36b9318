package dev.backgroundjobs.engine;

import java.time.Clock;
import java.time.Duration;

/**
 * Engine settings for tests of the engine's loops, which never reach a step.
 */
public final class TestEngineSettings {

	private TestEngineSettings() {
	}

	/**
	 * Returns settings with short backoffs and the system clock.
	 * @return the settings
	 */
	public static EngineSettings of() {
		return new EngineSettings(Duration.ZERO, new RetryBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0),
				Clock.systemUTC());
	}

}
