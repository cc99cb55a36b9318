package dev.backgroundjobs.it;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventHandler;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.Step;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an application tests its functions, as docs/guide/testing.md shows: a
 * {@code @SpringBootTest} whose PostgreSQL and Kafka run in Testcontainers containers,
 * connected with {@code @ServiceConnection}, and no {@code spring.datasource.*} or
 * {@code spring.kafka.*} property. Skipped without Docker.
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(classes = ServiceConnectionContainersTests.DocumentApplication.class)
class ServiceConnectionContainersTests {

	@Container
	@ServiceConnection
	static PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17-alpine");

	@Container
	@ServiceConnection
	static KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.0");

	@Autowired
	EventPublisher events;

	@Autowired
	Summaries summaries;

	@Test
	void anEventSentToTheBrokerInItsContainerRunsTheFunctionWithItsStepsInTheDatabaseInItsContainer() throws Exception {
		this.events.send("document/uploaded", new Uploaded("doc-1", "Quarterly report"));
		assertThat(this.summaries.done.get(60, TimeUnit.SECONDS)).isEqualTo("Summary of Quarterly report");
	}

	record Uploaded(String id, String title) {

	}

	static class Summaries {

		final CompletableFuture<String> done = new CompletableFuture<>();

		@EventHandler(id = "summarize", event = "document/uploaded")
		void summarize(Event<Uploaded> event, Step step) {
			String summary = step.run("summarize", String.class, () -> "Summary of " + event.data().title());
			step.run("store", () -> this.done.complete(summary));
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class DocumentApplication {

		@Bean
		Summaries summaries() {
			return new Summaries();
		}

	}

}
