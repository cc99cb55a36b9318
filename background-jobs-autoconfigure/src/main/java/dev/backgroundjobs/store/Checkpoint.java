package dev.backgroundjobs.store;

import org.jspecify.annotations.Nullable;

/**
 * A durable write of a running execution that {@link CheckpointStore#write} groups with
 * the writes of other runs into one transaction. Like every fenced write, it happens only
 * while the run's version still equals {@link #version()}.
 */
public sealed interface Checkpoint {

	/**
	 * Returns the run the checkpoint belongs to.
	 * @return the run id
	 */
	String runId();

	/**
	 * Returns the run version the writer holds.
	 * @return the fencing token
	 */
	long version();

	/**
	 * Inserts or replaces a step of the run.
	 *
	 * @param step the step
	 * @param version the run version the writer holds
	 */
	record StepSaved(StepRecord step, long version) implements Checkpoint {

		@Override
		public String runId() {
			return this.step.runId();
		}

	}

	/**
	 * Marks the run {@link dev.backgroundjobs.RunStatus#COMPLETED COMPLETED} with its
	 * output and clears its lease. A parent run waiting for it is made due in the same
	 * transaction (see {@link RunStore#awaitChild}).
	 *
	 * @param runId the run id
	 * @param version the run version the writer holds
	 * @param output the handler's result as JSON, or {@code null}
	 */
	record RunCompleted(String runId, long version, @Nullable String output) implements Checkpoint {

	}

}
