package dev.backgroundjobs.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.security.web.csrf.CsrfToken;

/**
 * {@link CsrfTokens} that reads the token Spring Security's {@code CsrfFilter} puts on
 * the request, whatever token repository the application configured.
 */
public final class SpringSecurityCsrfTokens implements CsrfTokens {

	@Override
	public @Nullable Token find(HttpServletRequest request) {
		if (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken token) {
			return new Token(token.getHeaderName(), token.getToken());
		}
		return null;
	}

}
