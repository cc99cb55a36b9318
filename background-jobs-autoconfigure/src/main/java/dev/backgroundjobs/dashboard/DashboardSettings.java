package dev.backgroundjobs.dashboard;

import java.time.Duration;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.util.Assert;

/**
 * What the dashboard shows and allows.
 *
 * @param path the path the dashboard is served under, such as {@code /background-jobs}
 * @param showValues when to show payloads, outputs and errors, as the {@code jobs}
 * endpoint does
 * @param roles roles that authorize a user to see them; any authenticated user when empty
 * @param writable whether replays, cancels, deletes and sends are allowed: only when the
 * {@code jobs} endpoint allows its write operations
 * @param sendEvents whether the page that sends events is offered
 * @param traceUrl URL template of a trace in a tracing UI, with {@code {traceId}} where
 * the trace id goes, or {@code null}
 * @param refreshInterval how often the runs page refreshes itself
 */
public record DashboardSettings(String path, Show showValues, Set<String> roles, boolean writable, boolean sendEvents,
		@Nullable String traceUrl, Duration refreshInterval) {

	/**
	 * Creates settings, checking them.
	 * @param path the path
	 * @param showValues when to show values
	 * @param roles roles that authorize a user to see values
	 * @param writable whether writes are allowed
	 * @param sendEvents whether events can be sent
	 * @param traceUrl the trace URL template, or {@code null}
	 * @param refreshInterval how often the runs page refreshes itself
	 */
	public DashboardSettings {
		Assert.hasText(path, "'path' must not be empty");
		Assert.notNull(showValues, "'showValues' must not be null");
		Assert.notNull(refreshInterval, "'refreshInterval' must not be null");
		roles = Set.copyOf(roles);
	}

}
