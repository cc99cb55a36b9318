package dev.backgroundjobs.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Finds the CSRF token of a request, which the dashboard's pages send back with each
 * write. Spring Security provides it when the application uses it; without Spring
 * Security there is none.
 */
@FunctionalInterface
public interface CsrfTokens {

	/**
	 * Finds no token: for applications without CSRF protection.
	 */
	CsrfTokens NONE = (request) -> null;

	/**
	 * Returns the CSRF token of a request.
	 * @param request the request
	 * @return the header to send the token in and the token, or {@code null} if there is
	 * none
	 */
	@Nullable Token find(HttpServletRequest request);

	/**
	 * A CSRF token and the header that carries it.
	 *
	 * @param headerName the header name, such as {@code X-CSRF-TOKEN}
	 * @param token the token
	 */
	record Token(String headerName, String token) {

	}

}
