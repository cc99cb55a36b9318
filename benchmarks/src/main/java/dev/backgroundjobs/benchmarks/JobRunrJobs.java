package dev.backgroundjobs.benchmarks;

import org.jobrunr.jobs.context.JobContext;

/**
 * The JobRunr jobs of the workloads: the same no-op work as {@link BenchFunctions}.
 */
public class JobRunrJobs {

	private final Probe probe;

	/**
	 * Creates the jobs.
	 * @param probe receives what the jobs report
	 */
	public JobRunrJobs(Probe probe) {
		this.probe = probe;
	}

	/**
	 * W1: never runs during the workload.
	 * @param sentNanos when it was scheduled
	 */
	public void accepted(long sentNanos) {
	}

	/**
	 * W2: a no-op job.
	 * @param sentNanos when it was enqueued
	 */
	public void oneStep(long sentNanos) {
		this.probe.finished();
	}

	/**
	 * W3: three no-op steps through {@code runStepOnce}, JobRunr's checkpoint.
	 * @param sentNanos when it was enqueued
	 * @param context the job context, injected by JobRunr
	 */
	public void threeSteps(long sentNanos, JobContext context) {
		context.runStepOnce("first", () -> {
		});
		context.runStepOnce("second", () -> {
		});
		context.runStepOnce("third", () -> {
		});
		this.probe.finished();
	}

	/**
	 * W4: reports its start.
	 * @param sentNanos when it was enqueued
	 */
	public void pickup(long sentNanos) {
		this.probe.started(sentNanos);
		this.probe.finished();
	}

}
