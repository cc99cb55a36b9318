package dev.backgroundjobs.autoconfigure;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the Kafka clients of {@link BackgroundJobsKafkaConfiguration}: settings that
 * durability depends on win over the application's own {@code spring.kafka.consumer.*}.
 */
class BackgroundJobsKafkaConfigurationTests {

	@Test
	void consumersReadNewGroupsFromTheStartAndCommitThemselvesWhateverTheApplicationSets() {
		KafkaProperties kafka = new KafkaProperties();
		kafka.getConsumer().setAutoOffsetReset("latest");
		kafka.getConsumer().setEnableAutoCommit(true);
		Map<String, Object> config = new BackgroundJobsKafkaConfiguration().backgroundJobsConsumerFactory(kafka)
			.getConfigurationProperties();
		assertThat(config).containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
			.containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
	}

}
