package dev.backgroundjobs.autoconfigure;

import java.time.Duration;
import java.util.Map;

import dev.backgroundjobs.EventHandler;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BackgroundJobsProperties}.
 */
class BackgroundJobsPropertiesTests {

	private final BackgroundJobsProperties properties = new BackgroundJobsProperties();

	@Test
	void defaultRetriesMatchTheDocumentedDefault() {
		assertThat(this.properties.getRetry().getMaxRetries())
			.isEqualTo(BackgroundJobsProperties.Retry.DEFAULT_MAX_RETRIES)
			.isEqualTo(4);
		assertThat(EventHandler.DEFAULT_RETRIES).isNegative();
	}

	@Test
	void heartbeatIsWellBelowTheLeaseByDefault() {
		BackgroundJobsProperties.Lease lease = this.properties.getLease();
		assertThat(lease.getHeartbeatInterval().multipliedBy(3)).isLessThanOrEqualTo(lease.getDuration());
	}

	@Test
	void payloadLimitAndShutdownTimeoutUseTheirConstants() {
		assertThat(this.properties.getMaxPayloadSize()).isEqualTo(BackgroundJobsProperties.DEFAULT_MAX_PAYLOAD_SIZE);
		assertThat(this.properties.getShutdownTimeout()).isEqualTo(BackgroundJobsProperties.DEFAULT_SHUTDOWN_TIMEOUT);
	}

	@Test
	void functionTimeoutsBindPerFunction() {
		BackgroundJobsProperties bound = bind(Map.of("background-jobs.functions.render-report.timeouts.finish", "10m",
				"background-jobs.functions.render-report.timeouts.step", "30s"));
		BackgroundJobsProperties.Function.Timeouts timeouts = bound.getFunctions().get("render-report").getTimeouts();
		assertThat(timeouts.getStart()).isNull();
		assertThat(timeouts.getFinish()).isEqualTo(Duration.ofMinutes(10));
		assertThat(timeouts.getStep()).isEqualTo(Duration.ofSeconds(30));
	}

	private static BackgroundJobsProperties bind(Map<String, String> values) {
		BackgroundJobsProperties properties = new BackgroundJobsProperties();
		new Binder(new MapConfigurationPropertySource(values)).bind("background-jobs", Bindable.ofInstance(properties),
				new ValidationBindHandler(properties));
		return properties;
	}

}
