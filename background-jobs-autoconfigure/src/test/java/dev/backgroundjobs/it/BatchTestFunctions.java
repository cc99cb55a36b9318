package dev.backgroundjobs.it;

import java.util.List;

import dev.backgroundjobs.Batch;
import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.RunContext;
import dev.backgroundjobs.Step;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Batched functions for {@link BatchingIntegrationTests}. Each records, in the shared
 * {@link Probe}, one hit per event it ran in a step, so a test sees every event that ran
 * and how often.
 */
class BatchTestFunctions {

	private final Probe probe;

	BatchTestFunctions(Probe probe) {
		this.probe = probe;
	}

	@EventHandler(id = "batch-by-size", event = "test/batch-size",
			batch = @Batch(maxSize = 5, timeout = "1h", key = "data.key"))
	int bySize(List<Event<Job>> events, Step step) {
		step.run("record", () -> events.forEach((event) -> this.probe.hit(event.id(), "batched")));
		return events.size();
	}

	@EventHandler(id = "batch-by-timeout", event = "test/batch-timeout",
			batch = @Batch(maxSize = 100, timeout = "1h", key = "data.key"))
	int byTimeout(List<Event<Job>> events, Step step) {
		step.run("record", () -> events.forEach((event) -> this.probe.hit(event.id(), "batched")));
		return events.size();
	}

	@EventHandler(id = "batch-soon", event = "test/batch-soon", batch = @Batch(maxSize = 100, timeout = "300ms"))
	int soon(List<Event<Job>> events, Step step) {
		step.run("record", () -> events.forEach((event) -> this.probe.hit(event.id(), "batched")));
		return events.size();
	}

	@EventHandler(id = "batch-flaky", event = "test/batch-flaky", retries = 0,
			batch = @Batch(maxSize = 3, timeout = "1h"))
	int flaky(List<Event<Job>> events, Step step, RunContext run) {
		step.run("first", () -> events.forEach((event) -> this.probe.hit(event.id(), "first")));
		events.forEach((event) -> this.probe.hit(event.id(), "attempt"));
		step.run("flaky", () -> {
			if (this.probe.hit(run.runId(), "flaky") == 1) {
				throw new IllegalStateException("first attempt fails");
			}
		});
		return events.size();
	}

	/**
	 * Adds the functions to an instance.
	 */
	@Configuration(proxyBeanMethods = false)
	static class Config {

		@Bean
		BatchTestFunctions batchTestFunctions(Probe probe) {
			return new BatchTestFunctions(probe);
		}

	}

}
