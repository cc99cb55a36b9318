package dev.backgroundjobs.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties for the web dashboard.
 * <p>
 * The properties validate themselves when they are bound, so a bad path fails the
 * start-up with Boot's report naming the property.
 */
@ConfigurationProperties("background-jobs.dashboard")
public class BackgroundJobsDashboardProperties implements Validator {

	/**
	 * Default path of the dashboard.
	 */
	public static final String DEFAULT_PATH = "/background-jobs";

	/**
	 * Default time between two refreshes of the runs page.
	 */
	public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(5);

	/**
	 * Whether to serve the web dashboard. It needs a servlet web application (Spring
	 * MVC).
	 */
	private boolean enabled;

	/**
	 * Path the dashboard is served under. Its JSON API is under "<path>/api".
	 */
	private String path = DEFAULT_PATH;

	/**
	 * Whether the dashboard offers a page that sends events: a development convenience.
	 */
	private boolean sendEvents;

	/**
	 * URL of a trace in a tracing UI, with "{traceId}" where the trace id goes, such as
	 * "http://localhost:16686/trace/{traceId}". When set, a run's trace id links there.
	 */
	private @Nullable String traceUrl;

	/**
	 * Time between two refreshes of the runs page while its live refresh is on.
	 */
	private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPath() {
		return this.path;
	}

	public void setPath(String path) {
		this.path = path;
	}

	public boolean isSendEvents() {
		return this.sendEvents;
	}

	public void setSendEvents(boolean sendEvents) {
		this.sendEvents = sendEvents;
	}

	public @Nullable String getTraceUrl() {
		return this.traceUrl;
	}

	public void setTraceUrl(@Nullable String traceUrl) {
		this.traceUrl = traceUrl;
	}

	public Duration getRefreshInterval() {
		return this.refreshInterval;
	}

	public void setRefreshInterval(Duration refreshInterval) {
		this.refreshInterval = refreshInterval;
	}

	@Override
	public boolean supports(Class<?> type) {
		return BackgroundJobsDashboardProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		BackgroundJobsDashboardProperties properties = (BackgroundJobsDashboardProperties) target;
		String path = properties.getPath();
		if (path == null || !path.matches("(/[A-Za-z0-9._~-]+)+")) {
			errors.rejectValue("path", "invalid",
					"must start with '/', not end with '/', and hold only letters, digits and . _ ~ -, but was '" + path
							+ "'");
		}
		if (properties.getRefreshInterval() == null || properties.getRefreshInterval().toMillis() < 100) {
			errors.rejectValue("refreshInterval", "invalid", "must be at least 100ms");
		}
		String traceUrl = properties.getTraceUrl();
		if (traceUrl != null && !traceUrl.isBlank() && !traceUrl.contains("{traceId}")) {
			errors.rejectValue("traceUrl", "invalid", "must contain '{traceId}', but was '" + traceUrl + "'");
		}
	}

}
