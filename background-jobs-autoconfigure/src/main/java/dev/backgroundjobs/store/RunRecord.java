package dev.backgroundjobs.store;

import java.time.Instant;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * A stored run.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param eventId the triggering event's id
 * @param eventName the triggering event's name
 * @param eventData the triggering event's payload as JSON
 * @param eventTime when the triggering event happened
 * @param status the status
 * @param attempt how many times execution has started
 * @param version the fencing token: incremented each time an instance claims the run
 * @param handlerFailures how many times the handler failed outside any step
 * @param leaseOwner the instance that holds the lease, if any
 * @param leaseUntil when the lease expires (database time), if leased
 * @param wakeAt when a parked run is due (database time), if parked
 * @param output the handler's return value as JSON, once completed
 * @param error the last error, if any
 * @param createdAt when the run was recorded
 * @param startedAt when execution first started
 * @param finishedAt when the run reached a final status
 * @param traceContext the trace propagation headers of the triggering event's publication
 * as a JSON object, or {@code null}
 */
public record RunRecord(String runId, String functionId, String eventId, String eventName, String eventData,
		Instant eventTime, RunStatus status, int attempt, long version, int handlerFailures,
		@Nullable String leaseOwner, @Nullable Instant leaseUntil, @Nullable Instant wakeAt, @Nullable String output,
		@Nullable String error, Instant createdAt, @Nullable Instant startedAt, @Nullable Instant finishedAt,
		@Nullable String traceContext) {

}
