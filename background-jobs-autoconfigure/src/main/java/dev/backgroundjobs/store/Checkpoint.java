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
	 * output and clears its lease, after saving the run's last step if one is given. A
	 * parent run waiting for it is made due in the same transaction (see
	 * {@link RunStore#awaitChild}).
	 * <p>
	 * Writing the last step with the completion makes a run whose handler returns right
	 * after its last step cost one commit instead of two.
	 *
	 * @param runId the run id
	 * @param version the run version the writer holds
	 * @param output the handler's result as JSON, or {@code null}
	 * @param lastStep a step of the run to save first, or {@code null}
	 */
	record RunCompleted(String runId, long version, @Nullable String output,
			@Nullable StepRecord lastStep) implements Checkpoint {

		/**
		 * Checks that the last step, if any, belongs to the run.
		 */
		public RunCompleted {
			if (lastStep != null && !lastStep.runId().equals(runId)) {
				throw new IllegalArgumentException("Step '" + lastStep.stepId() + "' of run " + lastStep.runId()
						+ " is not a step of run " + runId);
			}
		}

		/**
		 * Marks the run completed, with no step to save.
		 * @param runId the run id
		 * @param version the run version the writer holds
		 * @param output the handler's result as JSON, or {@code null}
		 */
		public RunCompleted(String runId, long version, @Nullable String output) {
			this(runId, version, output, null);
		}

	}

}
