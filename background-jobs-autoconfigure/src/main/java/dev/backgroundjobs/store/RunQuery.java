package dev.backgroundjobs.store;

import java.time.Instant;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * Filter for listing runs, newest first.
 *
 * @param status only runs with this status, if set
 * @param functionId only runs of this function, if set
 * @param before only runs created before the run with this id (a paging cursor), if set
 * @param limit the maximum number of runs
 * @param createdFrom only runs created at or after this instant, if set
 * @param createdTo only runs created before this instant, if set
 * @param eventId only runs triggered by the event with this id, if set
 */
public record RunQuery(@Nullable RunStatus status, @Nullable String functionId, @Nullable String before, int limit,
		@Nullable Instant createdFrom, @Nullable Instant createdTo, @Nullable String eventId) {

	/**
	 * Creates a filter by status and function only.
	 * @param status only runs with this status, if set
	 * @param functionId only runs of this function, if set
	 * @param before only runs created before the run with this id, if set
	 * @param limit the maximum number of runs
	 */
	public RunQuery(@Nullable RunStatus status, @Nullable String functionId, @Nullable String before, int limit) {
		this(status, functionId, before, limit, null, null, null);
	}

}
