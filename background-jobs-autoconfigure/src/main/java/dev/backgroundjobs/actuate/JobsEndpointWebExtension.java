package dev.backgroundjobs.actuate;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.backgroundjobs.RunStateException;
import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
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
	 * Returns a run with its event, output and steps ({@code GET /jobs/runs/{runId}}).
	 * @param securityContext the user, who may or may not be shown payloads, outputs and
	 * errors
	 * @param collection {@code runs}
	 * @param runId the run id
	 * @return the run, or 400 or 404
	 */
	@ReadOperation
	public WebEndpointResponse<OperationResponseBody> run(SecurityContext securityContext, @Selector String collection,
			@Selector String runId) {
		boolean showValues = showValues(securityContext);
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
		return DEAD_LETTERS.equals(collection) ? onRun(runId, this.delegate::replay) : unknownPath();
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
						+ "/jobs/dead-letters or /jobs/dead-letters/{runId}");
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
