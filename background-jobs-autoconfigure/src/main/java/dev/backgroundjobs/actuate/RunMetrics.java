package dev.backgroundjobs.actuate;

import java.time.Duration;

import dev.backgroundjobs.engine.RunLifecycleListener;
import dev.backgroundjobs.store.RunRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Counts runs and step retries in Micrometer, tagged by {@code function} (and
 * {@code step} for failures and retries):
 * <ul>
 * <li>{@code background-jobs.runs.started}: executions started (a resumed run counts
 * again)</li>
 * <li>{@code background-jobs.runs.completed}</li>
 * <li>{@code background-jobs.runs.failed}: runs that became dead letters</li>
 * <li>{@code background-jobs.runs.parked}: runs parked for a backoff or a sleep</li>
 * <li>{@code background-jobs.runs.cancelled}: executions stopped because their run was
 * cancelled while it executed</li>
 * <li>{@code background-jobs.steps.retried}: failed step attempts that will be
 * retried</li>
 * <li>{@code background-jobs.sleep.lateness}: a timer of how late durable sleeps wake
 * after their wake time</li>
 * </ul>
 * Durations are the {@code background-jobs.run}, {@code background-jobs.step} and
 * {@code background-jobs.publish} timers of the engine's observations.
 */
public final class RunMetrics implements RunLifecycleListener {

	private final MeterRegistry registry;

	/**
	 * Creates the metrics.
	 * @param registry the meter registry
	 */
	public RunMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void runStarted(RunRecord run, int attempt) {
		counter("background-jobs.runs.started", "Run executions started", run.functionId()).increment();
	}

	@Override
	public void runCompleted(RunRecord run, Duration duration) {
		counter("background-jobs.runs.completed", "Runs completed", run.functionId()).increment();
	}

	@Override
	public void runParked(RunRecord run, Duration delay) {
		counter("background-jobs.runs.parked", "Runs parked until a wake time", run.functionId()).increment();
	}

	@Override
	public void runFailed(RunRecord run, @Nullable String stepId, String error) {
		Counter.builder("background-jobs.runs.failed")
			.description("Runs failed and dead-lettered")
			.tag("function", run.functionId())
			.tag("step", (stepId != null) ? stepId : "none")
			.register(this.registry)
			.increment();
	}

	@Override
	public void runCancelled(RunRecord run, String reason) {
		counter("background-jobs.runs.cancelled", "Executions stopped because their run was cancelled",
				run.functionId())
			.increment();
	}

	@Override
	public void stepRetrying(RunRecord run, String stepId, int attempt, Duration delay, Throwable failure) {
		Counter.builder("background-jobs.steps.retried")
			.description("Failed step attempts that will be retried")
			.tag("function", run.functionId())
			.tag("step", stepId)
			.register(this.registry)
			.increment();
	}

	@Override
	public void sleepEnded(String runId, String functionId, String stepId, Duration lateness) {
		Timer.builder("background-jobs.sleep.lateness")
			.description("How late durable sleeps wake after their wake time")
			.tag("function", functionId)
			.register(this.registry)
			.record(lateness);
	}

	private Counter counter(String name, String description, String functionId) {
		return Counter.builder(name).description(description).tag("function", functionId).register(this.registry);
	}

}
