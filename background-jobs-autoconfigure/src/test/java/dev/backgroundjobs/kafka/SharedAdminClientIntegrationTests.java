package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.backgroundjobs.BackgroundJobsException;
import dev.backgroundjobs.testsupport.TestKafka;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.core.KafkaAdmin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Integration tests for {@link SharedAdminClient} against a real broker: every broker
 * call of the starter goes through one admin client.
 */
class SharedAdminClientIntegrationTests {

	private final AtomicInteger clientsCreated = new AtomicInteger();

	private final SharedAdminClient adminClient = new SharedAdminClient(
			new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers())) {

				@Override
				public Map<String, Object> getConfigurationProperties() {
					SharedAdminClientIntegrationTests.this.clientsCreated.incrementAndGet();
					return super.getConfigurationProperties();
				}

			});

	@AfterEach
	void close() {
		this.adminClient.destroy();
	}

	@Test
	void healthChecksTopicChecksAndEventLogEndsShareOneClient() throws Exception {
		String prefix = "shared-admin-" + UUID.randomUUID();
		TopicNames topics = new TopicNames(prefix, prefix);
		BrokerConnectivity connectivity = new BrokerConnectivity(this.adminClient);
		for (int i = 0; i < 3; i++) {
			assertThat(connectivity.clusterId(Duration.ofSeconds(10))).isNotBlank();
		}
		new TopicProvisioner(this.adminClient, 1, (short) -1).ensureTopics(Set.of(topics.forEvent("test/shared")));
		assertThat(new KafkaEventLog(this.adminClient, topics, Duration.ofSeconds(10)).end("test/shared")).isNotNull();
		assertThat(this.clientsCreated).hasValue(1);
	}

	@Test
	void aClosedClientFailsWithAClearError() {
		this.adminClient.destroy();
		assertThatExceptionOfType(BackgroundJobsException.class).isThrownBy(this.adminClient::get)
			.withMessageContaining("application is stopping");
	}

}
