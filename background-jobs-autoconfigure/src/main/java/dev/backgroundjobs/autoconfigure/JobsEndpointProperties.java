package dev.backgroundjobs.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.backgroundjobs.actuate.JobsEndpoint;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties for the {@link JobsEndpoint jobs} endpoint, under the
 * Actuator's own {@code management.endpoint.jobs} prefix, as Spring Boot's endpoints have
 * {@code management.endpoint.env.show-values}.
 */
@ConfigurationProperties("management.endpoint.jobs")
public class JobsEndpointProperties {

	/**
	 * When to show event payloads, run and step outputs, errors with their stack traces,
	 * awaited match values and the bytes of poison records. Hidden values are replaced
	 * with "******".
	 */
	private Show showValues = Show.WHEN_AUTHORIZED;

	/**
	 * Roles used to determine whether a user is authorized to be shown values. When
	 * empty, all authenticated users are authorized.
	 */
	private final Set<String> roles = new LinkedHashSet<>();

	public Show getShowValues() {
		return this.showValues;
	}

	public void setShowValues(Show showValues) {
		this.showValues = showValues;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

}
