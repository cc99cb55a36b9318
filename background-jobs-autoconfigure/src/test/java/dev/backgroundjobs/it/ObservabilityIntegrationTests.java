package dev.backgroundjobs.it;

import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.actuate.BackgroundJobsHealthIndicator;
import dev.backgroundjobs.kafka.BrokerConnectivity;
import dev.backgroundjobs.kafka.SharedAdminClient;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.KafkaAdmin;

import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Metrics, health and tracing against a real broker and PostgreSQL.
 */
class ObservabilityIntegrationTests {

	private TestApplication.Cluster cluster;

	@BeforeEach
	void setUp() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_observe_it"));
		this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password());
		TestApplication.Cluster.clearTables(database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void metricsCountRunsRetriesAndFailuresByFunction() {
		ConfigurableApplicationContext app = this.cluster.start();
		EventPublisher events = app.getBean(EventPublisher.class);
		String retried = events.send("test/three", new Job("m-1", 2, 0));
		awaitStatus(app, "three-steps", retried, RunStatus.COMPLETED);
		String failed = events.send("test/flaky", Job.simple("m-2"));
		awaitStatus(app, "flaky", failed, RunStatus.FAILED);
		MeterRegistry meters = app.getBean(MeterRegistry.class);
		assertThat(meters.get("background-jobs.runs.started").tag("function", "three-steps").counter().count())
			.isEqualTo(1);
		assertThat(meters.get("background-jobs.runs.completed").tag("function", "three-steps").counter().count())
			.isEqualTo(1);
		assertThat(meters.get("background-jobs.steps.retried")
			.tags("function", "three-steps", "step", "b")
			.counter()
			.count()).isEqualTo(2);
		assertThat(meters.get("background-jobs.runs.failed").tags("function", "flaky", "step", "b").counter().count())
			.isEqualTo(1);
		assertThat(meters.get("background-jobs.run").tag("function", "three-steps").timer().count()).isEqualTo(1);
		// Failed attempts are timed too, in the series tagged with their error.
		assertThat(meters.get("background-jobs.step")
			.tags("function", "three-steps", "step", "b")
			.timers()
			.stream()
			.mapToLong(Timer::count)
			.sum()).isEqualTo(3);
		assertThat(meters.get("background-jobs.step")
			.tags("function", "three-steps", "step", "b", "error", "IllegalStateException")
			.timer()
			.count()).isEqualTo(2);
		assertThat(meters.get("background-jobs.publish").tag("event", "test/flaky").timer().count()).isEqualTo(1);
		assertThat(meters.get("background-jobs.dead-letters").gauge().value()).isEqualTo(1);
		assertThat(meters.get("background-jobs.runs.current").tag("status", "COMPLETED").gauge().value()).isEqualTo(1);
	}

	@Test
	void traceOfThePublishingRequestContinuesInTheRunAndItsSteps() {
		ConfigurableApplicationContext app = this.cluster.start(WebApplicationType.NONE, TestTracing.class);
		ObservationRegistry observations = app.getBean(ObservationRegistry.class);
		Observation request = Observation.start("http.server.requests", observations).contextualName("POST /upload");
		String eventId;
		try (Observation.Scope scope = request.openScope()) {
			eventId = app.getBean(EventPublisher.class).send("test/three", Job.simple("t-1"));
		}
		finally {
			request.stop();
		}
		awaitStatus(app, "three-steps", eventId, RunStatus.COMPLETED);
		SimpleTracer tracer = app.getBean(SimpleTracer.class);
		List<SimpleSpan> spans = List.copyOf(tracer.getSpans());
		SimpleSpan requestSpan = span(spans, "POST /upload");
		SimpleSpan publish = span(spans, "publish test/three");
		SimpleSpan run = span(spans, "run three-steps");
		SimpleSpan stepB = span(spans, "step b");
		assertThat(List.of(publish, run, stepB)).extracting(SimpleSpan::getTraceId)
			.containsOnly(requestSpan.getTraceId());
		assertThat(publish.getParentId()).isEqualTo(requestSpan.getSpanId());
		assertThat(run.getParentId()).isEqualTo(publish.getSpanId());
		assertThat(stepB.getParentId()).isEqualTo(run.getSpanId());
	}

	@Test
	void healthIsUpWithDetailsAndDownWhenTheDatabaseIsUnreachable() {
		ConfigurableApplicationContext app = this.cluster.start();
		String eventId = app.getBean(EventPublisher.class).send("test/three", Job.simple("h-1"));
		awaitStatus(app, "three-steps", eventId, RunStatus.COMPLETED);
		BackgroundJobsHealthIndicator indicator = app.getBean(BackgroundJobsHealthIndicator.class);
		Health up = indicator.health(true);
		assertThat(up.getStatus()).isEqualTo(Status.UP);
		assertThat(up.getDetails()).containsKeys("runs", "deadLetters", "kafkaClusterId");
		assertThat(up.getDetails().get("runs")).hasToString("{COMPLETED=1}");

		app.getBean(HikariDataSource.class).close();
		Health down = indicator.health(true);
		assertThat(down.getStatus()).isEqualTo(Status.DOWN);
		assertThat(down.getDetails()).containsKey("database");
	}

	@Test
	void healthIsDownWhenTheBrokerIsUnreachable() {
		ConfigurableApplicationContext app = this.cluster.start();
		KafkaAdmin unreachable = new KafkaAdmin(Map.of("bootstrap.servers", "127.0.0.1:1", "request.timeout.ms", "1000",
				"default.api.timeout.ms", "1000"));
		SharedAdminClient adminClient = new SharedAdminClient(unreachable);
		BackgroundJobsHealthIndicator indicator = new BackgroundJobsHealthIndicator(app.getBean(RunStore.class),
				app.getBean(DeadLetterStore.class), new BrokerConnectivity(adminClient), java.time.Clock.systemUTC());
		try {
			Health health = indicator.health(true);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsKey("kafka");
		}
		finally {
			adminClient.destroy();
		}
	}

	private static SimpleSpan span(List<SimpleSpan> spans, String name) {
		return spans.stream()
			.filter((span) -> name.equals(span.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError(
					"No span '" + name + "' in " + spans.stream().map(SimpleSpan::getName).toList()));
	}

}
