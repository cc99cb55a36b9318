package dev.backgroundjobs.actuate;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.backgroundjobs.BrokerUnavailableException;
import dev.backgroundjobs.DeadLetterFilter;
import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * {@link EndpointWebExtension @EndpointWebExtension} for the {@link JobsEndpoint}.
 * <p>
 * Endpoint paths are made of selectors only, so the fixed segments of
 * {@code /jobs/runs/{runId}}, {@code /jobs/dead-letters/{runId}} and
 * {@code /jobs/runs/{runId}/cancel} are selectors too, checked here. Unknown paths and
 * runs answer 404, malformed run ids and filters 400, and operations that do not apply to
 * a run's status 409. Error bodies are {@link MessageDescriptor}s.
 * <p>
 * Payloads, outputs, errors and the bytes of poison records are shown following
 * {@link Show}, as in Spring Boot's {@code env} endpoint: by default only to
 * authenticated users (with one of the roles, if any are set), and replaced with
 * {@value JobsEndpoint#HIDDEN} for others.
 */
@EndpointWebExtension(endpoint = JobsEndpoint.class)
public class JobsEndpointWebExtension {

	private static final int STATUS_CONFLICT = 409;

	private static final String RUNS = "runs";

	private static final String DEAD_LETTERS = "dead-letters";

	private static final String CANCEL = "cancel";

	private static final String RERUN = "rerun";

	private static final String POISON_PREFIX = "poison-";

	private static final int MAX_ID_LENGTH = 255;

	private static final int STATUS_SERVICE_UNAVAILABLE = 503;

	private static final String VALID_STATUSES = Arrays.stream(RunStatus.values())
		.map(RunStatus::name)
		.collect(Collectors.joining(", "));

	private final JobsEndpoint delegate;

	private final Show showValues;

	private final Set<String> roles;

	/**
	 * Creates an extension.
	 * @param delegate the endpoint
	 * @param showValues when to show payloads, outputs and errors
	 * @param roles roles that authorize a user to see them; any authenticated user when
	 * empty
	 */
	public JobsEndpointWebExtension(JobsEndpoint delegate, Show showValues, Set<String> roles) {
		Assert.notNull(delegate, "'delegate' must not be null");
		Assert.notNull(showValues, "'showValues' must not be null");
		Assert.notNull(roles, "'roles' must not be null");
		this.delegate = delegate;
		this.showValues = showValues;
		this.roles = Set.copyOf(roles);
	}

	/**
	 * Lists runs ({@code GET /jobs/runs}) or dead letters
	 * ({@code GET /jobs/dead-letters}), newest first.
	 * @param securityContext the user, who may or may not be shown the errors of dead
	 * letters
	 * @param collection {@code runs} or {@code dead-letters}
	 * @param status only runs with this status, if set
	 * @param function only runs of this function, if set
	 * @param limit the largest number listed, from 1 to {@value JobsEndpoint#MAX_LIMIT};
	 * {@value JobsEndpoint#DEFAULT_LIMIT} if not set
	 * @param before only runs older than the run with this id, if set
	 * @return the runs or dead letters, or 400 or 404
	 */
	@ReadOperation
	public WebEndpointResponse<OperationResponseBody> list(SecurityContext securityContext, @Selector String collection,
			@Nullable String status, @Nullable String function, @Nullable Integer limit, @Nullable String before) {
		try {
			if (RUNS.equals(collection)) {
				return ok(this.delegate.runs(status(status), nullIfBlank(function), limit(limit), cursor(before)));
			}
			if (DEAD_LETTERS.equals(collection)) {
				if (StringUtils.hasText(status) || StringUtils.hasText(function) || StringUtils.hasText(before)) {
					throw new BadRequestException(
							"Dead letters can only be limited, not filtered by status, function or before");
				}
				return ok(this.delegate.deadLetters(limit(limit), showValues(securityContext)));
			}
			return unknownPath();
		}
		catch (BadRequestException ex) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, ex.getMessage());
		}
	}

	/**
	 * Returns a run with its event, output and steps ({@code GET /jobs/runs/{runId}}), or
	 * a dead letter ({@code GET /jobs/dead-letters/{id}}).
	 * @param securityContext the user, who may or may not be shown payloads, outputs and
	 * errors
	 * @param collection {@code runs} or {@code dead-letters}
	 * @param runId the run id, or the dead letter id
	 * @return the run or dead letter, or 400 or 404
	 */
	@ReadOperation
	public WebEndpointResponse<OperationResponseBody> run(SecurityContext securityContext, @Selector String collection,
			@Selector String runId) {
		boolean showValues = showValues(securityContext);
		if (DEAD_LETTERS.equals(collection)) {
			return onDeadLetter(runId, (id) -> this.delegate.deadLetter(id, showValues));
		}
		return RUNS.equals(collection) ? onRun(runId, (id) -> this.delegate.run(id, showValues)) : unknownPath();
	}

	/**
	 * Replays a failed run ({@code POST /jobs/dead-letters/{runId}}).
	 * @param collection {@code dead-letters}
	 * @param runId the run id
	 * @return the run's new status, or 400, 404 or 409
	 */
	@WriteOperation
	public WebEndpointResponse<OperationResponseBody> replay(@Selector String collection, @Selector String runId) {
		if (!DEAD_LETTERS.equals(collection)) {
			return unknownPath();
		}
		// A poison record has no run: its replay publishes the record again.
		return isPoisonId(runId) ? onDeadLetter(runId, this.delegate::replayDeadLetter)
				: onRun(runId, this.delegate::replay);
	}

	/**
	 * Replays the dead letters a filter selects, oldest first
	 * ({@code POST /jobs/dead-letters?function=&from=&to=&error=&limit=}).
	 * @param collection {@code dead-letters}
	 * @param function only dead letters of this function, if set
	 * @param from only dead letters recorded at or after this ISO-8601 instant, if set
	 * @param to only dead letters recorded before this ISO-8601 instant, if set
	 * @param error only dead letters whose error contains this text, ignoring case, if
	 * set
	 * @param limit the most dead letters to replay, from 1 to
	 * {@value JobsEndpoint#MAX_LIMIT}; {@value JobsEndpoint#MAX_LIMIT} if not set
	 * @return the dead letters replayed and skipped, or 400 if no filter is set
	 */
	@WriteOperation
	public WebEndpointResponse<OperationResponseBody> replayAll(@Selector String collection, @Nullable String function,
			@Nullable String from, @Nullable String to, @Nullable String error, @Nullable Integer limit) {
		return DEAD_LETTERS.equals(collection)
				? onFilter(function, from, to, error, limit, this.delegate::replayDeadLetters) : unknownPath();
	}

	/**
	 * Deletes a dead letter ({@code DELETE /jobs/dead-letters/{id}}). The run of a failed
	 * run's dead letter stays FAILED; a poison record's dead letter is gone for good.
	 * @param collection {@code dead-letters}
	 * @param id the dead letter id
	 * @return the id deleted, or 400 or 404
	 */
	@DeleteOperation
	public WebEndpointResponse<OperationResponseBody> delete(@Selector String collection, @Selector String id) {
		return DEAD_LETTERS.equals(collection) ? onDeadLetter(id, this.delegate::deleteDeadLetter) : unknownPath();
	}

	/**
	 * Deletes the dead letters a filter selects
	 * ({@code DELETE /jobs/dead-letters?function=&from=&to=&error=&limit=}).
	 * @param collection {@code dead-letters}
	 * @param function only dead letters of this function, if set
	 * @param from only dead letters recorded at or after this ISO-8601 instant, if set
	 * @param to only dead letters recorded before this ISO-8601 instant, if set
	 * @param error only dead letters whose error contains this text, ignoring case, if
	 * set
	 * @param limit the most dead letters to delete, from 1 to
	 * {@value JobsEndpoint#MAX_LIMIT}; {@value JobsEndpoint#MAX_LIMIT} if not set
	 * @return the dead letters deleted, or 400 if no filter is set
	 */
	@DeleteOperation
	public WebEndpointResponse<OperationResponseBody> deleteAll(@Selector String collection, @Nullable String function,
			@Nullable String from, @Nullable String to, @Nullable String error, @Nullable Integer limit) {
		return DEAD_LETTERS.equals(collection)
				? onFilter(function, from, to, error, limit, this.delegate::deleteDeadLetters) : unknownPath();
	}

	/**
	 * Cancels a run that has not finished ({@code POST /jobs/runs/{runId}/cancel}).
	 * @param collection {@code runs}
	 * @param runId the run id
	 * @param action {@code cancel}
	 * @return the run's new status, or 400, 404 or 409
	 */
	@WriteOperation
	public WebEndpointResponse<OperationResponseBody> cancel(@Selector String collection, @Selector String runId,
			@Selector String action) {
		return (RUNS.equals(collection) && CANCEL.equals(action)) ? onRun(runId, this.delegate::cancel) : unknownPath();
	}

	/**
	 * Runs a finished run again from one of its steps ({@code POST
	 * /jobs/runs/{runId}/rerun/{stepId}}).
	 * @param collection {@code runs}
	 * @param runId the run id
	 * @param action {@code rerun}
	 * @param stepId the first step to run again
	 * @return the run's new status, or 400, 404 (no such run or step) or 409 (the run has
	 * not finished)
	 */
	@WriteOperation
	public WebEndpointResponse<OperationResponseBody> rerun(@Selector String collection, @Selector String runId,
			@Selector String action, @Selector String stepId) {
		if (!RUNS.equals(collection) || !RERUN.equals(action)) {
			return unknownPath();
		}
		try {
			return onRun(runId, (id) -> this.delegate.rerun(id, stepId));
		}
		catch (IllegalArgumentException ex) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND, ex.getMessage());
		}
	}

	private boolean showValues(SecurityContext securityContext) {
		return this.showValues.isShown(securityContext, this.roles);
	}

	private WebEndpointResponse<OperationResponseBody> onRun(String runId,
			Function<String, @Nullable OperationResponseBody> operation) {
		String id = canonicalRunId(runId);
		if (id == null) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, malformedRunId(runId));
		}
		try {
			OperationResponseBody result = operation.apply(id);
			return (result != null) ? ok(result)
					: error(WebEndpointResponse.STATUS_NOT_FOUND, "No run with id '" + id + "'");
		}
		catch (RunStateException ex) {
			return error(STATUS_CONFLICT, ex.getMessage());
		}
	}

	private WebEndpointResponse<OperationResponseBody> onDeadLetter(String id,
			Function<String, @Nullable OperationResponseBody> operation) {
		String deadLetterId = isPoisonId(id) ? id : canonicalRunId(id);
		if (deadLetterId == null) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, "'" + id + "' is not a dead letter id; dead letter "
					+ "ids are run ids (UUIDs) or the ids of poison records, which start with 'poison-'");
		}
		try {
			OperationResponseBody result = operation.apply(deadLetterId);
			return (result != null) ? ok(result)
					: error(WebEndpointResponse.STATUS_NOT_FOUND, "No dead letter with id '" + deadLetterId + "'");
		}
		catch (RunStateException ex) {
			return error(STATUS_CONFLICT, ex.getMessage());
		}
		catch (BrokerUnavailableException | IllegalStateException ex) {
			return error(STATUS_SERVICE_UNAVAILABLE, ex.getMessage());
		}
	}

	private WebEndpointResponse<OperationResponseBody> onFilter(@Nullable String function, @Nullable String from,
			@Nullable String to, @Nullable String error, @Nullable Integer limit,
			Function<DeadLetterFilter, OperationResponseBody> operation) {
		try {
			DeadLetterFilter filter;
			try {
				filter = new DeadLetterFilter(function, instant("from", from), instant("to", to), error,
						(limit != null) ? limit(limit) : JobsEndpoint.MAX_LIMIT);
			}
			catch (IllegalArgumentException ex) {
				throw new BadRequestException(String.valueOf(ex.getMessage()));
			}
			if (!filter.isNarrowed()) {
				throw new BadRequestException(
						"Select the dead letters with at least one of 'function', 'from', 'to' or 'error'");
			}
			return ok(operation.apply(filter));
		}
		catch (BadRequestException ex) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, ex.getMessage());
		}
	}

	private static @Nullable Instant instant(String name, @Nullable String value) {
		if (!StringUtils.hasText(value)) {
			return null;
		}
		try {
			return Instant.parse(value.trim());
		}
		catch (DateTimeParseException ex) {
			throw new BadRequestException(
					"'" + name + "' is '" + value + "', which is not an ISO-8601 instant such as 2026-01-31T09:00:00Z");
		}
	}

	private static boolean isPoisonId(String id) {
		return id.startsWith(POISON_PREFIX) && id.length() <= MAX_ID_LENGTH;
	}

	private static @Nullable RunStatus status(@Nullable String status) {
		if (!StringUtils.hasText(status)) {
			return null;
		}
		try {
			return RunStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new BadRequestException("Unknown status '" + status + "'; valid statuses are " + VALID_STATUSES);
		}
	}

	private static int limit(@Nullable Integer limit) {
		if (limit == null) {
			return JobsEndpoint.DEFAULT_LIMIT;
		}
		if (limit < 1 || limit > JobsEndpoint.MAX_LIMIT) {
			throw new BadRequestException(
					"Limit must be between 1 and " + JobsEndpoint.MAX_LIMIT + ", but was " + limit);
		}
		return limit;
	}

	private static @Nullable String cursor(@Nullable String before) {
		if (!StringUtils.hasText(before)) {
			return null;
		}
		String id = canonicalRunId(before);
		if (id == null) {
			throw new BadRequestException("Cursor 'before': " + malformedRunId(before));
		}
		return id;
	}

	private static @Nullable String nullIfBlank(@Nullable String value) {
		return StringUtils.hasText(value) ? value : null;
	}

	private static @Nullable String canonicalRunId(String value) {
		try {
			// UUID.fromString also accepts short groups such as 1-2-3-4-5; run ids are
			// canonical, stored in lower case.
			String canonical = UUID.fromString(value).toString();
			return canonical.equalsIgnoreCase(value) ? canonical : null;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static String malformedRunId(String runId) {
		return "'" + runId + "' is not a run id; run ids are UUIDs such as 123e4567-e89b-12d3-a456-426614174000";
	}

	private static WebEndpointResponse<OperationResponseBody> ok(OperationResponseBody body) {
		return new WebEndpointResponse<>(body);
	}

	private static WebEndpointResponse<OperationResponseBody> unknownPath() {
		return error(WebEndpointResponse.STATUS_NOT_FOUND,
				"Unknown path; use /jobs, /jobs/runs, /jobs/runs/{runId}, /jobs/runs/{runId}/cancel, "
						+ "/jobs/runs/{runId}/rerun/{stepId}, /jobs/dead-letters or /jobs/dead-letters/{id}");
	}

	private static WebEndpointResponse<OperationResponseBody> error(int status, @Nullable String message) {
		return new WebEndpointResponse<>(new MessageDescriptor(String.valueOf(message)), status);
	}

	/**
	 * Body of an error response.
	 *
	 * @param message what was wrong with the request
	 */
	public record MessageDescriptor(String message) implements OperationResponseBody {

	}

	/**
	 * Thrown while reading query parameters that are not valid.
	 */
	private static final class BadRequestException extends RuntimeException {

		BadRequestException(String message) {
			super(message);
		}

	}

}
