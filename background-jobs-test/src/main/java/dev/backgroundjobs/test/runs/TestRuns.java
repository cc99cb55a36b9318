package dev.backgroundjobs.test.runs;

import java.time.Duration;
import java.util.List;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * Reads and awaits the runs of the real engine in an integration test. The run of an
 * event is found by the function id and the event id that
 * {@link dev.backgroundjobs.EventPublisher#send EventPublisher.send} returned:
 * <pre class="code">
 * String eventId = events.send("api/document.uploaded", new DocumentUploaded(id, "u-1"));
 * RecordedRun run = runs.await("process-document", eventId, RunStatus.COMPLETED);
 * </pre>
 * <p>
 * When the run does not reach the status in time, or reaches another final status, the
 * {@link AssertionError} shows the run with its steps and their errors.
 */
public final class TestRuns {

	/**
	 * How long {@link #await(String, String, RunStatus)} waits.
	 */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

	private static final long POLL_MILLIS = 25;

	private final RunStore runs;

	private final StepStore steps;

	/**
	 * Creates an accessor of the runs in the engine's store.
	 * @param runs the run store
	 * @param steps the step store
	 */
	public TestRuns(RunStore runs, StepStore steps) {
		Assert.notNull(runs, "'runs' must not be null");
		Assert.notNull(steps, "'steps' must not be null");
		this.runs = runs;
		this.steps = steps;
	}

	/**
	 * Returns the run of a function for an event, if it has been recorded.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @return the run, or {@code null}
	 */
	public @Nullable RecordedRun find(String functionId, String eventId) {
		Assert.hasText(functionId, "'functionId' must not be empty");
		Assert.hasText(eventId, "'eventId' must not be empty");
		RunRecord run = this.runs.find(NewRun.deriveRunId(functionId, eventId));
		return (run != null) ? recorded(run) : null;
	}

	/**
	 * Returns the runs of a function, newest first.
	 * @param functionId the function id
	 * @return at most 500 runs
	 */
	public List<RecordedRun> findAll(String functionId) {
		Assert.hasText(functionId, "'functionId' must not be empty");
		return this.runs.findRuns(new RunQuery(null, functionId, null, 500)).stream().map(this::recorded).toList();
	}

	/**
	 * Waits up to {@link #DEFAULT_TIMEOUT} for the run of a function for an event to
	 * reach a status.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param status the awaited status
	 * @return the run, in that status
	 * @throws AssertionError if it does not reach the status in time, or finishes in
	 * another
	 */
	public RecordedRun await(String functionId, String eventId, RunStatus status) {
		return await(functionId, eventId, status, DEFAULT_TIMEOUT);
	}

	/**
	 * Waits for the run of a function for an event to reach a status.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param status the awaited status
	 * @param timeout how long to wait
	 * @return the run, in that status
	 * @throws AssertionError if it does not reach the status in time, or finishes in
	 * another
	 */
	public RecordedRun await(String functionId, String eventId, RunStatus status, Duration timeout) {
		Assert.notNull(status, "'status' must not be null");
		Assert.isTrue(timeout != null && !timeout.isNegative(), "'timeout' must not be negative");
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			RecordedRun run = find(functionId, eventId);
			if (run != null && run.status() == status) {
				return run;
			}
			if (run != null && run.status().isFinished()) {
				throw new AssertionError("Expected the run to become " + status + ", but " + run.describe());
			}
			if (System.nanoTime() - deadline >= 0) {
				throw new AssertionError("Expected the run of function '" + functionId + "' for event '" + eventId
						+ "' to become " + status + " within " + timeout + ", but "
						+ ((run != null) ? run.describe() : "no such run was recorded; is the function triggered "
								+ "by that event, and was the event sent?"));
			}
			pause();
		}
	}

	private RecordedRun recorded(RunRecord run) {
		List<RecordedStep> steps = this.steps.findSteps(run.runId())
			.stream()
			.map((step) -> new RecordedStep(step.stepId(), step.status(), step.attempts(), step.output(), step.error()))
			.toList();
		return new RecordedRun(run.runId(), run.functionId(), run.eventId(), run.status(), run.attempt(), run.output(),
				run.error(), steps);
	}

	private static void pause() {
		try {
			Thread.sleep(POLL_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for a run", ex);
		}
	}

}
