package dev.backgroundjobs.autoconfigure;

import dev.backgroundjobs.EventHandler;
import org.junit.jupiter.api.Test;

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

}
