package dev.backgroundjobs.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.Singleton;
import org.jspecify.annotations.Nullable;

/**
 * A run to record for an event that arrived.
 *
 * @param runId the run id
 * @param functionId the function id
 * @param eventId the event id; {@code (functionId, eventId)} is unique
 * @param eventName the event name
 * @param eventData the event payload as JSON
 * @param eventTime when the event happened
 * @param traceContext the trace propagation headers of the event's publication as a JSON
 * object, or {@code null}
 * @param cancelKeys what the events that cancel the run must match, recorded with it
 * @param gates the gates the run must pass to be recorded ({@code idempotency},
 * {@code rateLimit}), counted with it
 * @param throttle the throttle that assigns the run's start time, or {@code null} to
 * start it at once
 * @param slot the concurrency slot the run must get to start ({@code concurrency}), or
 * {@code null} if its function has no concurrency limit
 * @param debounce the debounce that holds the run back until its burst of events is over,
 * or {@code null} to start it at once
 * @param singletonKey the key of which at most one run may be unfinished
 * ({@code singleton}), claimed with it, or {@code null}
 */
public record NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
		Instant eventTime, @Nullable String traceContext, List<CancelKey> cancelKeys, List<Gate> gates,
		@Nullable Throttle throttle, @Nullable Slot slot, @Nullable Debounce debounce,
		@Nullable SingletonKey singletonKey) {

	/**
	 * Creates a run that is no singleton.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers, or {@code null}
	 * @param cancelKeys what the events that cancel the run must match
	 * @param gates the gates the run must pass to be recorded
	 * @param throttle the throttle that assigns the run's start time, or {@code null}
	 * @param slot the concurrency slot the run must get to start, or {@code null}
	 * @param debounce the debounce that holds the run back, or {@code null}
	 */
	public NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext, List<CancelKey> cancelKeys, List<Gate> gates,
			@Nullable Throttle throttle, @Nullable Slot slot, @Nullable Debounce debounce) {
		this(runId, functionId, eventId, eventName, eventData, eventTime, traceContext, cancelKeys, gates, throttle,
				slot, debounce, null);
	}

	/**
	 * Creates a run that no debounce holds back.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers, or {@code null}
	 * @param cancelKeys what the events that cancel the run must match
	 * @param gates the gates the run must pass to be recorded
	 * @param throttle the throttle that assigns the run's start time, or {@code null}
	 * @param slot the concurrency slot the run must get to start, or {@code null}
	 */
	public NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext, List<CancelKey> cancelKeys, List<Gate> gates,
			@Nullable Throttle throttle, @Nullable Slot slot) {
		this(runId, functionId, eventId, eventName, eventData, eventTime, traceContext, cancelKeys, gates, throttle,
				slot, null);
	}

	/**
	 * Creates a run that no concurrency limit or debounce holds back.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers, or {@code null}
	 * @param cancelKeys what the events that cancel the run must match
	 * @param gates the gates the run must pass to be recorded
	 * @param throttle the throttle that assigns the run's start time, or {@code null}
	 */
	public NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext, List<CancelKey> cancelKeys, List<Gate> gates,
			@Nullable Throttle throttle) {
		this(runId, functionId, eventId, eventName, eventData, eventTime, traceContext, cancelKeys, gates, throttle,
				(Slot) null);
	}

	/**
	 * Creates a run that starts as soon as it is recorded.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers, or {@code null}
	 * @param cancelKeys what the events that cancel the run must match
	 * @param gates the gates the run must pass to be recorded
	 */
	public NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext, List<CancelKey> cancelKeys, List<Gate> gates) {
		this(runId, functionId, eventId, eventName, eventData, eventTime, traceContext, cancelKeys, gates, null, null);
	}

	/**
	 * Creates a run that no gate limits.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers, or {@code null}
	 * @param cancelKeys what the events that cancel the run must match
	 */
	public NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext, List<CancelKey> cancelKeys) {
		this(runId, functionId, eventId, eventName, eventData, eventTime, traceContext, cancelKeys, List.of());
	}

	/**
	 * Creates a run that no event cancels.
	 * @param runId the run id
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers, or {@code null}
	 */
	public NewRun(String runId, String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext) {
		this(runId, functionId, eventId, eventName, eventData, eventTime, traceContext, List.of());
	}

	/**
	 * Returns this run with the keys by which events cancel it.
	 * @param keys the keys
	 * @return the run
	 */
	public NewRun withCancelKeys(List<CancelKey> keys) {
		return new NewRun(this.runId, this.functionId, this.eventId, this.eventName, this.eventData, this.eventTime,
				this.traceContext, List.copyOf(keys), this.gates, this.throttle, this.slot, this.debounce,
				this.singletonKey);
	}

	/**
	 * Creates a run for an event, with the run id {@link #deriveRunId derived} from the
	 * function and event ids.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @param eventName the event name
	 * @param eventData the event payload as JSON
	 * @param eventTime when the event happened
	 * @param traceContext the trace propagation headers to continue, or {@code null}
	 * @return the run
	 */
	public static NewRun forEvent(String functionId, String eventId, String eventName, String eventData,
			Instant eventTime, @Nullable String traceContext) {
		return new NewRun(deriveRunId(functionId, eventId), functionId, eventId, eventName, eventData, eventTime,
				traceContext);
	}

	/**
	 * Returns this run as {@link RunStore#insertLeased} records it: running its first
	 * attempt, version 1 and leased to {@code owner}, so the inserting instance can
	 * execute it at once without reading it back or marking it started.
	 * @param owner the instance that took the lease
	 * @param createdAt when the run was recorded
	 * @return the run record
	 */
	public RunRecord asLeased(String owner, Instant createdAt) {
		return new RunRecord(this.runId, this.functionId, this.eventId, this.eventName, this.eventData, this.eventTime,
				RunStatus.RUNNING, 1, 1, 0, owner, null, null, null, null, createdAt, createdAt, null,
				this.traceContext);
	}

	/**
	 * Returns this run as {@link RunStore#insertLeasedGated} records it when a throttle
	 * starts it soon: {@link RunStatus#QUEUED}, not started, version 1 and leased to
	 * {@code owner}, which starts it at its time.
	 * @param owner the instance that took the lease
	 * @param createdAt when the run was recorded
	 * @return the run record
	 */
	public RunRecord asHeld(String owner, Instant createdAt) {
		return new RunRecord(this.runId, this.functionId, this.eventId, this.eventName, this.eventData, this.eventTime,
				RunStatus.QUEUED, 0, 1, 0, owner, null, null, null, null, createdAt, null, null, this.traceContext);
	}

	/**
	 * Derives the run id from the function and event ids, so that the same event always
	 * maps to the same run.
	 * @param functionId the function id
	 * @param eventId the event id
	 * @return the run id
	 */
	public static String deriveRunId(String functionId, String eventId) {
		return UUID.nameUUIDFromBytes((functionId + '\u0000' + eventId).getBytes(StandardCharsets.UTF_8)).toString();
	}

	private static String shortForm(Duration period) {
		if (period.toMillis() % 3_600_000 == 0) {
			return period.toHours() + "h";
		}
		if (period.toMillis() % 60_000 == 0) {
			return period.toMinutes() + "m";
		}
		if (period.toMillis() % 1000 == 0) {
			return period.toSeconds() + "s";
		}
		return period.toString();
	}

	/**
	 * A value by which events of one name cancel a run: a cancelling event cancels the
	 * run when it has {@code matchValue} at {@code matchPath}.
	 *
	 * @param eventName the name of the cancelling event
	 * @param matchPath the path read from the cancelling event
	 * @param matchValue the value read from the run's triggering event (see
	 * {@link dev.backgroundjobs.json.MatchExpression#valueAt})
	 */
	public record CancelKey(String eventName, String matchPath, String matchValue) {

	}

	/**
	 * A gate a run must pass to be recorded: at most {@code limit} runs of the function
	 * per {@code period} with the same {@code kind} and {@code key}. The window opens
	 * with the first run that passes and lasts {@code period}; the next run after it
	 * opens the next one.
	 *
	 * @param kind what the gate is for, such as {@code idempotency} or
	 * {@code rate-limit}; gates of different kinds count apart
	 * @param key the value of the gate's key in the triggering event (see
	 * {@link dev.backgroundjobs.json.MatchExpression#valueAt}), or an empty string when
	 * all events share one count
	 * @param limit most runs per window, at least 1
	 * @param period the length of a window
	 */
	public record Gate(String kind, String key, int limit, Duration period) {

	}

	/**
	 * A throttle that assigns a run its start time: at most {@code limit} starts of the
	 * function per {@code period} with the same {@code key}, one each
	 * {@link #intervalMicros() interval}, and {@code burst} more at once after a quiet
	 * spell.
	 *
	 * @param key the value of the throttle's key in the triggering event (see
	 * {@link dev.backgroundjobs.json.MatchExpression#valueAt}), or an empty string when
	 * all events share one throttle
	 * @param limit most starts per period, at least 1
	 * @param period the length of a period
	 * @param burst extra starts allowed at once, at least 0
	 */
	public record Throttle(String key, int limit, Duration period, int burst) {

		/**
		 * Returns the spacing of starts, {@code period / limit}, rounded up to whole
		 * microseconds (the precision of the stored times) so that rounding never lets
		 * more starts through.
		 * @return the interval between two starts, in microseconds
		 */
		public long intervalMicros() {
			long nanos = this.period.toNanos();
			long perStart = nanos / this.limit + ((nanos % this.limit != 0) ? 1 : 0);
			return Math.max(1, (perStart + 999) / 1000);
		}

		/**
		 * Describes the throttle for the reason of a run it delays, for example
		 * {@code 100 starts per 1s for key 'customer-7'}.
		 * @return the description
		 */
		public String describe() {
			String key = (this.key.length() > 100) ? this.key.substring(0, 100) + "..." : this.key;
			return this.limit + " starts per " + shortForm(this.period)
					+ (this.key.isEmpty() ? "" : " for key '" + key + "'");
		}

	}

	/**
	 * A debounce that holds a run back until its burst of events is over: the run of the
	 * latest event with the same {@code key} starts once no newer one has arrived for
	 * {@code period}, and at the latest {@code timeout} after the burst's first event;
	 * the runs of the others never start.
	 *
	 * @param key the value of the debounce's key in the triggering event (see
	 * {@link dev.backgroundjobs.json.MatchExpression#valueAt}), or an empty string when
	 * all events share one key
	 * @param period how long no new event must arrive
	 * @param timeout the longest wait from the burst's first event, or {@code null} for
	 * none
	 */
	public record Debounce(String key, Duration period, @Nullable Duration timeout) {

		/**
		 * Describes the debounce for the reason of a run it holds back, for example
		 * {@code no new event for key 'doc-7' for 5s (at most 1m after the first)}.
		 * @return the description
		 */
		public String describe() {
			String key = (this.key.length() > 100) ? this.key.substring(0, 100) + "..." : this.key;
			return "no new event" + (this.key.isEmpty() ? "" : " for key '" + key + "'") + " for "
					+ shortForm(this.period)
					+ ((this.timeout != null) ? " (at most " + shortForm(this.timeout) + " after the first)" : "");
		}

	}

	/**
	 * The concurrency slot a run must get to start: at most {@code limit} runs of the
	 * function with the same {@code key} queued or running at once. A run that gets none
	 * when it is recorded waits {@link RunStatus#DELAYED}, with {@code reason} as its
	 * error, queued {@code priority} seconds ahead of its arrival.
	 *
	 * @param key the value of the limit's key in the triggering event (see
	 * {@link dev.backgroundjobs.json.MatchExpression#valueAt}), or an empty string when
	 * all runs share one limit
	 * @param limit most runs at once per key, at least 1
	 * @param priority the seconds by which the run moves ahead of the runs waiting with
	 * it, from {@code -}{@value dev.backgroundjobs.Priority#MAX_SECONDS} to
	 * {@value dev.backgroundjobs.Priority#MAX_SECONDS}
	 * @param reason why the run waits, shown as its error while it does
	 */
	public record Slot(String key, int limit, int priority, String reason) {

	}

	/**
	 * The key of a singleton function's run: at most one run of the function per
	 * {@code key} may be unfinished.
	 *
	 * @param key the value of the singleton's key in the triggering event (see
	 * {@link dev.backgroundjobs.json.MatchExpression#valueAt}), or an empty string when
	 * all events share one key
	 * @param mode what the run does when the key has an unfinished run:
	 * {@link Singleton.Mode#SKIP} or {@link Singleton.Mode#CANCEL}
	 * @param rule how the singleton is named in the reason of a run it cancels, such as
	 * {@code singleton 'data.userId'}
	 */
	public record SingletonKey(String key, Singleton.Mode mode, String rule) {

	}

}
