package dev.backgroundjobs.store;

import java.time.Instant;
import java.util.List;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * Read-only queries for operators' views of runs, such as the dashboard: recent activity
 * and the runs related to a run through {@code step.invoke}.
 */
public interface RunInsights {

	/**
	 * Counts the runs recorded at or after an instant.
	 * @param since the instant
	 * @return the count
	 */
	long countCreatedSince(Instant since);

	/**
	 * Counts the runs that reached a final status at or after an instant.
	 * @param status the final status
	 * @param since the instant
	 * @return the count
	 */
	long countFinishedSince(RunStatus status, Instant since);

	/**
	 * Returns the run that invoked a run with {@code step.invoke}.
	 * @param runId the run id
	 * @return the parent run's id, or {@code null} if the run was not invoked by another
	 */
	@Nullable String findParentRunId(String runId);

	/**
	 * Lists the runs a run invoked with {@code step.invoke}, oldest first.
	 * @param runId the run id
	 * @param limit the maximum number of runs
	 * @return the child runs
	 */
	List<RunRecord> findChildRuns(String runId, int limit);

}
