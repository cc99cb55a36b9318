package dev.backgroundjobs.sample.security;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Protects the write operations of the Actuator and of the dashboard, such as replaying a
 * dead letter or cancelling a run, the way an application would protect any Actuator
 * write: reads stay open, and writes need the {@value #OPERATOR} role.
 * <p>
 * Two filter chains keep the two kinds of client apart. Actuator and {@code /api/**}
 * clients authenticate every request with HTTP Basic and get no session, so there is
 * nothing for a cross-site request to borrow and CSRF protection is off there. The
 * dashboard is used from a browser: its users sign in with a form, get a session, and its
 * writes carry the CSRF token.
 * <p>
 * The only user is {@code operator}, with the password from
 * {@code sample.operator.password}. Its default, {@code operator}, is for development
 * only: set your own.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	/**
	 * Role needed for Actuator and dashboard write operations.
	 */
	static final String OPERATOR = "OPERATOR";

	private static final String DASHBOARD = "/background-jobs/**";

	@Bean
	@Order(1)
	SecurityFilterChain apiSecurityFilterChain(HttpSecurity http) throws Exception {
		http.securityMatchers(
				(matchers) -> matchers.requestMatchers(EndpointRequest.toAnyEndpoint()).requestMatchers("/api/**"));
		http.authorizeHttpRequests(
				(requests) -> requests.requestMatchers(EndpointRequest.toAnyEndpoint().withHttpMethod(HttpMethod.GET))
					.permitAll()
					.requestMatchers(EndpointRequest.toAnyEndpoint())
					.hasRole(OPERATOR)
					.anyRequest()
					.permitAll());
		http.httpBasic(Customizer.withDefaults());
		http.csrf((csrf) -> csrf.disable());
		http.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
		return http.build();
	}

	@Bean
	@Order(2)
	SecurityFilterChain browserSecurityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((requests) -> requests.requestMatchers(HttpMethod.GET, DASHBOARD)
			.permitAll()
			.requestMatchers(DASHBOARD)
			.hasRole(OPERATOR)
			.requestMatchers("/error")
			.permitAll()
			.anyRequest()
			.authenticated());
		http.formLogin((form) -> form.defaultSuccessUrl("/background-jobs/", true));
		http.httpBasic(Customizer.withDefaults());
		return http.build();
	}

	@Bean
	UserDetailsService operatorUserDetailsService(@Value("${sample.operator.password:operator}") String password) {
		PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		return new InMemoryUserDetailsManager(
				User.withUsername("operator").password(encoder.encode(password)).roles(OPERATOR).build());
	}

}
