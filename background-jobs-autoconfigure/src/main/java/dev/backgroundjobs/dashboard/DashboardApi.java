package dev.backgroundjobs.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.actuate.JobsEndpoint;
import dev.backgroundjobs.actuate.JobsEndpoint.DeadLettersDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.FunctionDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunSummaryDescriptor;
import dev.backgroundjobs.actuate.JobsEndpoint.RunsDescriptor;
import dev.backgroundjobs.function.EventTrigger;
import dev.backgroundjobs.function.FunctionRegistry;
import dev.backgroundjobs.store.RunInsights;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.ResponseEntity;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The dashboard's read API, under {@code <dashboard path>/api}: the overview, pages of
 * runs, one run, and dead letters. It answers with the {@link JobsEndpoint}'s
 * descriptors, read from the same stores, and hides values as that endpoint does.
 */
@RestController
@RequestMapping(DashboardApi.API_PATH)
public class DashboardApi {

	/**
	 * The path of the API, below the configured dashboard path.
	 */
	static final String API_PATH = "${background-jobs.dashboard.path:/background-jobs}/api";

	private static final int MAX_CHILD_RUNS = 100;

	private final JobsEndpoint endpoint;

	private final FunctionRegistry functions;

	private final RunStore runStore;

	private final RunInsights insights;

	private final DashboardAccess access;

	private final OverviewCounts counts;

	private final TraceIds traceIds;

	/**
	 * Creates the API.
	 * @param endpoint the endpoint whose queries and descriptors it shares
	 * @param functions the functions of the application
	 * @param runStore the run store
	 * @param insights recent activity and related runs
	 * @param access who may see values and write
	 * @param counts the overview's counts
	 * @param mapper reads the stored trace headers of runs
	 */
	public DashboardApi(JobsEndpoint endpoint, FunctionRegistry functions, RunStore runStore, RunInsights insights,
			DashboardAccess access, OverviewCounts counts, JsonMapper mapper) {
		Assert.notNull(endpoint, "'endpoint' must not be null");
		Assert.notNull(insights, "'insights' must not be null");
		this.endpoint = endpoint;
		this.functions = functions;
		this.runStore = runStore;
		this.insights = insights;
		this.access = access;
		this.counts = counts;
		this.traceIds = new TraceIds(mapper);
	}

	/**
	 * Returns what the pages need to know about the user and the settings.
	 * @param request the request
	 * @return the session
	 */
	@GetMapping("/session")
	public SessionView session(HttpServletRequest request) {
		DashboardSettings settings = this.access.settings();
		List<String> events = this.functions.functions()
			.stream()
			.flatMap((function) -> function.triggers().stream())
			.filter(EventTrigger.class::isInstance)
			.map((trigger) -> ((EventTrigger) trigger).eventName())
			.distinct()
			.sorted()
			.toList();
		return new SessionView((request.getUserPrincipal() != null) ? request.getUserPrincipal().getName() : null,
				this.access.showValues(request), settings.writable(), settings.sendEvents(), settings.traceUrl(),
				settings.refreshInterval().toMillis(), this.access.csrfToken(request), events);
	}

	/**
	 * Returns the overview: functions, counts by status, the last hour's activity, the
	 * dead-letter count and the oldest queued run. The counts come from the latest
	 * {@link OverviewCounts} snapshot, so this answers without counting the table.
	 * @return the overview
	 */
	@GetMapping("/overview")
	public OverviewView overview() {
		OverviewCounts.Snapshot counts = this.counts.get();
		return new OverviewView(functions(), counts.runCounts(), counts.lastHour(), counts.deadLetterCount(),
				counts.oldestQueuedAt(), counts.countedAt());
	}

	/**
	 * Returns the functions with their triggers, for the filters of the other pages.
	 * @return the functions
	 */
	@GetMapping("/functions")
	public List<FunctionDescriptor> functions() {
		return this.functions.functions().stream().map(FunctionDescriptor::of).toList();
	}

	/**
	 * Lists runs newest first, a page at a time.
	 * @param status only runs with this status, if set
	 * @param function only runs of this function, if set
	 * @param from only runs created at or after this ISO-8601 instant, if set
	 * @param to only runs created before this ISO-8601 instant, if set
	 * @param eventId only runs of the event with this id, if set
	 * @param before the cursor of the page: only runs older than this run, if set
	 * @param limit the page size, from 1 to {@value JobsEndpoint#MAX_LIMIT}
	 * @return the page of runs
	 */
	@GetMapping("/runs")
	public RunsDescriptor runs(@RequestParam(required = false) @Nullable String status,
			@RequestParam(required = false) @Nullable String function,
			@RequestParam(required = false) @Nullable String from, @RequestParam(required = false) @Nullable String to,
			@RequestParam(required = false) @Nullable String eventId,
			@RequestParam(required = false) @Nullable String before, @RequestParam(defaultValue = "50") int limit) {
		if (limit < 1 || limit > JobsEndpoint.MAX_LIMIT) {
			throw new DashboardRequestException(
					"'limit' must be between 1 and " + JobsEndpoint.MAX_LIMIT + ", but was " + limit);
		}
		String cursor = StringUtils.hasText(before) ? RunIds.canonical(before) : null;
		return this.endpoint.runs(new RunQuery(status(status), blankToNull(function), cursor, limit,
				instant("from", from), instant("to", to), blankToNull(eventId)));
	}

	/**
	 * Returns a run with its event, steps, waits, parent and child runs and trace id.
	 * @param runId the run id
	 * @param request the request
	 * @return the run, or 404
	 */
	@GetMapping("/runs/{runId}")
	public ResponseEntity<?> run(@PathVariable String runId, HttpServletRequest request) {
		String id = RunIds.canonical(runId);
		RunDescriptor run = this.endpoint.run(id, this.access.showValues(request));
		RunRecord record = this.runStore.find(id);
		if (run == null || record == null) {
			return DashboardErrors.notFound("No run with id '" + id + "'");
		}
		List<RunSummaryDescriptor> children = this.insights.findChildRuns(id, MAX_CHILD_RUNS)
			.stream()
			.map((child) -> new RunSummaryDescriptor(child.runId(), child.functionId(), child.eventName(),
					child.status(), child.attempt(), child.createdAt(), child.startedAt(), child.finishedAt()))
			.toList();
		return ResponseEntity.ok(new RunDetailView(run, this.insights.findParentRunId(id), children,
				this.traceIds.find(record.traceContext())));
	}

	/**
	 * Lists dead letters, newest first.
	 * @param function only dead letters of this function, if set
	 * @param limit the largest number listed, from 1 to {@value JobsEndpoint#MAX_LIMIT}
	 * @param request the request
	 * @return the dead letters
	 */
	@GetMapping("/dead-letters")
	public DeadLettersDescriptor deadLetters(@RequestParam(required = false) @Nullable String function,
			@RequestParam(defaultValue = "50") int limit, HttpServletRequest request) {
		if (limit < 1 || limit > JobsEndpoint.MAX_LIMIT) {
			throw new DashboardRequestException(
					"'limit' must be between 1 and " + JobsEndpoint.MAX_LIMIT + ", but was " + limit);
		}
		return this.endpoint.deadLetters(blankToNull(function), limit, this.access.showValues(request));
	}

	private static @Nullable RunStatus status(@Nullable String status) {
		if (!StringUtils.hasText(status)) {
			return null;
		}
		try {
			return RunStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new DashboardRequestException("Unknown status '" + status + "'; valid statuses are "
					+ String.join(", ", List.of(RunStatus.values()).stream().map(Enum::name).toList()));
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
			throw new DashboardRequestException(
					"'" + name + "' must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, but was '" + value + "'");
		}
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return StringUtils.hasText(value) ? value.trim() : null;
	}

	/**
	 * What the pages need to know about the user and the settings.
	 *
	 * @param user the name of the signed-in user, or {@code null} if anonymous
	 * @param showValues whether payloads, outputs and errors are shown to the user
	 * @param writable whether replays, cancels, deletes and sends are allowed
	 * @param sendEvents whether the page that sends events is offered
	 * @param traceUrl the URL template of a trace, or {@code null}
	 * @param refreshMillis how often the runs page refreshes itself, in milliseconds
	 * @param csrf the CSRF token to send with writes, or {@code null}
	 * @param events the names of the events that trigger functions
	 */
	public record SessionView(@Nullable String user, boolean showValues, boolean writable, boolean sendEvents,
			@Nullable String traceUrl, long refreshMillis, CsrfTokens.@Nullable Token csrf, List<String> events) {

	}

	/**
	 * The overview page's data.
	 *
	 * @param functions the functions with their triggers
	 * @param runCounts the number of runs in each status
	 * @param lastHour runs started, completed and failed in the last hour
	 * @param deadLetterCount the number of dead letters
	 * @param oldestQueuedAt when the oldest queued run was recorded, or {@code null}
	 * @param countedAt when the counts were read
	 */
	public record OverviewView(List<FunctionDescriptor> functions, Map<RunStatus, Long> runCounts,
			OverviewCounts.LastHour lastHour, long deadLetterCount, @Nullable Instant oldestQueuedAt,
			Instant countedAt) {

	}

	/**
	 * The run page's data.
	 *
	 * @param run the run with its event, steps and waits
	 * @param parentRunId the run that invoked it, or {@code null}
	 * @param children the runs it invoked, oldest first
	 * @param traceId the trace id of the event's publication, or {@code null}
	 */
	public record RunDetailView(RunDescriptor run, @Nullable String parentRunId, List<RunSummaryDescriptor> children,
			@Nullable String traceId) {

	}

}
