package dev.backgroundjobs.dashboard;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.util.Assert;

/**
 * Decides what a dashboard user is shown and may do. Who may reach the dashboard at all
 * is the application's security configuration's business; this applies the rules of the
 * {@code jobs} endpoint on top: values are shown following its {@code show-values} and
 * {@code roles}, and writes are refused when its access is not unrestricted.
 */
public final class DashboardAccess {

	private final DashboardSettings settings;

	private final CsrfTokens csrfTokens;

	/**
	 * Creates the access rules.
	 * @param settings the dashboard's settings
	 * @param csrfTokens finds the CSRF token of a request
	 */
	public DashboardAccess(DashboardSettings settings, CsrfTokens csrfTokens) {
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(csrfTokens, "'csrfTokens' must not be null");
		this.settings = settings;
		this.csrfTokens = csrfTokens;
	}

	DashboardSettings settings() {
		return this.settings;
	}

	boolean showValues(HttpServletRequest request) {
		return this.settings.showValues().isShown(new RequestSecurityContext(request), this.settings.roles());
	}

	CsrfTokens.@Nullable Token csrfToken(HttpServletRequest request) {
		return this.csrfTokens.find(request);
	}

	/**
	 * The Actuator's view of the user of a servlet request, as its web endpoints build
	 * it.
	 */
	private record RequestSecurityContext(HttpServletRequest request) implements SecurityContext {

		@Override
		public @Nullable Principal getPrincipal() {
			return this.request.getUserPrincipal();
		}

		@Override
		public boolean isUserInRole(String role) {
			return this.request.isUserInRole(role);
		}

	}

}
