package dev.backgroundjobs.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.backgroundjobs.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.core.KafkaAdmin;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link TopicProvisioner} against a real broker.
 */
class TopicProvisionerIntegrationTests {

	private final AtomicInteger clientsCreated = new AtomicInteger();

	private final SharedAdminClient adminClient = new SharedAdminClient(new CountingKafkaAdmin());

	private final TopicProvisioner provisioner = new TopicProvisioner(this.adminClient, 2, (short) -1);

	@AfterEach
	void close() {
		this.adminClient.destroy();
	}

	@Test
	void concurrentFirstSendsOfANewEventShareOneCheckAndOneAdminClient() throws Exception {
		String topic = "provisioner-" + UUID.randomUUID();
		int callers = 16;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService threads = Executors.newFixedThreadPool(callers);
		try {
			List<Future<Boolean>> results = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				results.add(threads.submit(() -> {
					start.await();
					return this.provisioner.ensureTopics(Set.of(topic),
							System.nanoTime() + Duration.ofSeconds(30).toNanos());
				}));
			}
			start.countDown();
			for (Future<Boolean> result : results) {
				result.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		this.provisioner.ensureTopics(Set.of("provisioner-" + UUID.randomUUID()));
		assertThat(this.clientsCreated).hasValue(1);
		assertThat(this.provisioner.ensureTopics(Set.of(topic), System.nanoTime())).isFalse();
	}

	@Test
	void withTopicCreationOffNothingIsCreatedAndNoAdminClientIsBuilt() throws Exception {
		SharedAdminClient otherAdminClient = new SharedAdminClient(new CountingKafkaAdmin());
		try {
			TopicProvisioner readOnly = new TopicProvisioner(otherAdminClient, 2, (short) -1, false);
			String topic = "provisioner-" + UUID.randomUUID();
			assertThat(readOnly.ensureTopics(Set.of(topic), System.nanoTime() + Duration.ofSeconds(30).toNanos()))
				.isFalse();
			assertThat(this.clientsCreated).hasValue(0);
			try (Admin admin = Admin
				.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
				assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
			}
		}
		finally {
			otherAdminClient.destroy();
		}
	}

	/**
	 * Counts the admin clients built from its configuration.
	 */
	private final class CountingKafkaAdmin extends KafkaAdmin {

		CountingKafkaAdmin() {
			super(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()));
		}

		@Override
		public Map<String, Object> getConfigurationProperties() {
			TopicProvisionerIntegrationTests.this.clientsCreated.incrementAndGet();
			return super.getConfigurationProperties();
		}

	}

}
