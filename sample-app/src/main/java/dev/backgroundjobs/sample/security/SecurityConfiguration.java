package dev.backgroundjobs.sample.security;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
 * Protects the Actuator's write operations, such as replaying a dead letter or cancelling
 * a run, the way an application would protect any Actuator write: reads
 * ({@code GET /actuator/**}) and the sample's own {@code /api/**} stay open, and every
 * other Actuator request needs the {@value #OPERATOR} role, over HTTP Basic.
 * <p>
 * The only user is {@code operator}, with the password from
 * {@code sample.operator.password}. Its default, {@code operator}, is for development
 * only: set your own.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	/**
	 * Role needed for Actuator write operations.
	 */
	static final String OPERATOR = "OPERATOR";

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests(
				(requests) -> requests.requestMatchers(EndpointRequest.toAnyEndpoint().withHttpMethod(HttpMethod.GET))
					.permitAll()
					.requestMatchers(EndpointRequest.toAnyEndpoint())
					.hasRole(OPERATOR)
					.requestMatchers("/api/**", "/error")
					.permitAll()
					.anyRequest()
					.authenticated());
		http.httpBasic(Customizer.withDefaults());
		// Clients authenticate every request with Basic credentials and no session or
		// cookie, so there is nothing for a cross-site request to borrow.
		http.csrf((csrf) -> csrf.ignoringRequestMatchers(EndpointRequest.toAnyEndpoint())
			.ignoringRequestMatchers("/api/**"));
		http.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
		return http.build();
	}

	@Bean
	UserDetailsService operatorUserDetailsService(@Value("${sample.operator.password:operator}") String password) {
		PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		return new InMemoryUserDetailsManager(
				User.withUsername("operator").password(encoder.encode(password)).roles(OPERATOR).build());
	}

}
