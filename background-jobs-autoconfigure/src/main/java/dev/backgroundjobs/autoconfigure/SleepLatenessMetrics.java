package dev.backgroundjobs.autoconfigure;

import java.time.Duration;

import dev.backgroundjobs.engine.RunLifecycleListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Records how late durable sleeps wake, as the timer {@value #METER_NAME} tagged with the
 * function id. The registry is looked up on first use, so the listener does not force the
 * metrics infrastructure to start before the engine.
 */
final class SleepLatenessMetrics implements RunLifecycleListener {

	/**
	 * Name of the timer.
	 */
	static final String METER_NAME = "background.jobs.sleep.lateness";

	private final ObjectProvider<MeterRegistry> registry;

	SleepLatenessMetrics(ObjectProvider<MeterRegistry> registry) {
		this.registry = registry;
	}

	@Override
	public void sleepEnded(String runId, String functionId, String stepId, Duration lateness) {
		MeterRegistry meters = this.registry.getIfUnique();
		if (meters != null) {
			Timer.builder(METER_NAME)
				.description("How late durable sleeps wake after their wake time")
				.tag("function", functionId)
				.register(meters)
				.record(lateness);
		}
	}

}
