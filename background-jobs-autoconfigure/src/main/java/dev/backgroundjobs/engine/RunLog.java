package dev.backgroundjobs.engine;

import java.time.Clock;
import java.time.Duration;

import dev.backgroundjobs.store.RunRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogAccessor;
import org.springframework.util.Assert;

/**
 * Logs one line when a run starts, completes, retries a step or fails, under the category
 * {@code dev.backgroundjobs.runs} so it can be tuned apart from the engine's other logs.
 * Starts and completions are at DEBUG (they are as frequent as the runs), retries at WARN
 * and failures at ERROR. The run, function and step ids are also in the MDC.
 */
public final class RunLog implements RunLifecycleListener {

	private static final LogAccessor logger = new LogAccessor("dev.backgroundjobs.runs");

	private final Clock clock;

	/**
	 * Creates the log.
	 * @param clock the engine's clock, for the time a retry is due
	 */
	public RunLog(Clock clock) {
		Assert.notNull(clock, "'clock' must not be null");
		this.clock = clock;
	}

	@Override
	public void runStarted(RunRecord run, int attempt) {
		logger.debug(() -> "Run " + run.runId() + " of function '" + run.functionId() + "' started (attempt " + attempt
				+ ", event " + run.eventId() + ")");
	}

	@Override
	public void runCompleted(RunRecord run, Duration duration) {
		logger.debug(() -> "Run " + run.runId() + " of function '" + run.functionId() + "' completed in "
				+ duration.toMillis() + " ms");
	}

	@Override
	public void runFailed(RunRecord run, @Nullable String stepId, String error) {
		logger.error(() -> "Run " + run.runId() + " of function '" + run.functionId() + "' failed"
				+ ((stepId != null) ? " at step '" + stepId + "'" : "") + " and is now a dead letter: "
				+ firstLine(error));
	}

	@Override
	public void stepRetrying(RunRecord run, String stepId, int attempt, Duration delay, Throwable failure) {
		logger.warn(() -> "Step '" + stepId + "' of run " + run.runId() + " of function '" + run.functionId()
				+ "' failed (attempt " + attempt + "), retrying in " + delay.toMillis() + " ms at about "
				+ this.clock.instant().plus(delay) + ": " + failure);
	}

	private static String firstLine(String text) {
		int newline = text.indexOf('\n');
		return (newline < 0) ? text : text.substring(0, newline);
	}

}
