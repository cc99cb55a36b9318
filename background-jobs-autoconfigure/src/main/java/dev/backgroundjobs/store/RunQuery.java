package dev.backgroundjobs.store;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * Filter for listing runs, newest first.
 *
 * @param status only runs with this status, if set
 * @param functionId only runs of this function, if set
 * @param before only runs created before the run with this id (a paging cursor), if set
 * @param limit the maximum number of runs
 */
public record RunQuery(@Nullable RunStatus status, @Nullable String functionId, @Nullable String before, int limit) {

}
