package dev.backgroundjobs.kafka;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.backgroundjobs.json.PayloadCodec;
import io.micrometer.observation.ObservationRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link KafkaEventPublisher}'s records, with the template replaced: what it
 * hands the producer, not how the broker takes it.
 */
class KafkaEventPublisherTests {

	private static final Instant NOW = Instant.parse("2030-05-06T07:08:09Z");

	@Test
	@SuppressWarnings("unchecked")
	void sendStampsTheEventWithTheInjectedClock() {
		KafkaTemplate<String, byte[]> template = mock(KafkaTemplate.class);
		given(template.send(any(ProducerRecord.class))).willReturn(CompletableFuture.completedFuture(null));
		TopicProvisioner provisioner = new TopicProvisioner(new SharedAdminClient(new KafkaAdmin(Map.of())), 1,
				(short) -1, false);
		KafkaEventPublisher publisher = new KafkaEventPublisher(template,
				new PayloadCodec(JsonMapper.builder().build(), DataSize.ofKilobytes(64)), new TopicNames("jobs", "app"),
				provisioner, Duration.ofSeconds(5), ObservationRegistry.NOOP, Clock.fixed(NOW, ZoneOffset.UTC));
		publisher.send("test/event", "data");
		ArgumentCaptor<ProducerRecord<String, byte[]>> record = ArgumentCaptor.forClass(ProducerRecord.class);
		then(template).should().send(record.capture());
		assertThat(EventHeaders.read(record.getValue().headers(), EventHeaders.TIMESTAMP)).isEqualTo(NOW.toString());
	}

}
