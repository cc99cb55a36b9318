package dev.backgroundjobs.sample.kafka;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Integration tests for {@link EmbeddedKafkaInitializer}, against the broker it starts.
 */
class EmbeddedKafkaInitializerIntegrationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withInitializer(new EmbeddedKafkaInitializer());

	@Test
	void startsABrokerThatCarriesRecordsWhenNoBootstrapServersAreSet() {
		this.contextRunner.run((context) -> {
			String bootstrapServers = context.getEnvironment().getProperty(EmbeddedKafkaInitializer.BOOTSTRAP_SERVERS);
			assertThat(bootstrapServers).isNotBlank();
			assertThat(context).hasBean(EmbeddedKafkaInitializer.BEAN_NAME);
			send(bootstrapServers, "sample.round-trip", "hello");
			assertThat(receiveOne(bootstrapServers, "sample.round-trip")).isEqualTo("hello");
		});
	}

	@Test
	void startsNothingWhenBootstrapServersAreSet() {
		this.contextRunner.withPropertyValues("spring.kafka.bootstrap-servers=kafka.example.com:9092")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(EmbeddedKafkaInitializer.BEAN_NAME);
				assertThat(context.getEnvironment().getProperty(EmbeddedKafkaInitializer.BOOTSTRAP_SERVERS))
					.isEqualTo("kafka.example.com:9092");
			});
	}

	@Test
	void startsNothingWhenTheBrokerIsNotOnTheClasspath() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(EmbeddedKafkaKraftBroker.class)).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(EmbeddedKafkaInitializer.BEAN_NAME);
			assertThat(context.getEnvironment().getProperty(EmbeddedKafkaInitializer.BOOTSTRAP_SERVERS)).isNull();
		});
	}

	@Test
	void stopsTheBrokerWhenTheContextCloses() {
		AtomicReference<String> bootstrapServers = new AtomicReference<>();
		this.contextRunner.run((context) -> bootstrapServers
			.set(context.getEnvironment().getProperty(EmbeddedKafkaInitializer.BOOTSTRAP_SERVERS)));
		String[] hostAndPort = bootstrapServers.get().split(",")[0].split(":");
		assertThatIOException().isThrownBy(() -> connect(hostAndPort[0], Integer.parseInt(hostAndPort[1])));
	}

	@Test
	void leavesTheBootstrapServersOutOfTheSystemProperties() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean(EmbeddedKafkaInitializer.BEAN_NAME);
			assertThat(System.getProperty(EmbeddedKafkaInitializer.BOOTSTRAP_SERVERS)).isNull();
		});
	}

	private void send(String bootstrapServers, String topic, String value) throws Exception {
		Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
		try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
				new StringSerializer())) {
			producer.send(new ProducerRecord<>(topic, "key", value)).get();
		}
	}

	private String receiveOne(String bootstrapServers, String topic) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
				ConsumerConfig.GROUP_ID_CONFIG, "sample-tests", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			consumer.subscribe(List.of(topic));
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (System.nanoTime() < deadline) {
				for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
					return record.value();
				}
			}
		}
		throw new AssertionError("No record received from " + topic);
	}

	private void connect(String host, int port) throws IOException {
		try (Socket socket = new Socket(host, port)) {
			socket.getOutputStream().write(0);
		}
	}

}
