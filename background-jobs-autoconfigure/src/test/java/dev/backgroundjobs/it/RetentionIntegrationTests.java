package dev.backgroundjobs.it;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.store.DeadLetterStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.store.StepStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retention in a running application, against a real broker and PostgreSQL: finished runs
 * are deleted with their steps and dead letter once past their (here very short) age, and
 * the deletions are counted in Micrometer.
 */
class RetentionIntegrationTests {

	private TestApplication.Cluster cluster;

	@BeforeEach
	void setUp() {
		TestDatabases.ConnectionSettings database = TestDatabases.settings(TestDatabases.postgres("bj_retention_it"));
		this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
			.with("background-jobs.retention.completed-runs", "1s")
			.with("background-jobs.retention.failed-runs", "1s")
			.with("background-jobs.retention.interval", "200ms");
		TestApplication.Cluster.clearTables(database.dataSource());
	}

	@AfterEach
	void tearDown() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void finishedRunsAreDeletedWithTheirStepsAndDeadLetterAndTheDeletionsAreCounted() {
		ConfigurableApplicationContext app = this.cluster.start();
		EventPublisher events = app.getBean(EventPublisher.class);
		String completed = NewRun.deriveRunId("three-steps", events.send("test/three", Job.simple("r-1")));
		String failed = NewRun.deriveRunId("flaky", events.send("test/flaky", Job.simple("r-2")));
		MeterRegistry meters = app.getBean(MeterRegistry.class);
		await().atMost(RunAwait.TIMEOUT)
			.until(() -> deleted(meters, "runs") == 2 && deleted(meters, "dead-letters") == 1);
		// three-steps stored a, b and c; flaky stored a and its failed b.
		assertThat(deleted(meters, "steps")).isEqualTo(5);
		RunStore runs = app.getBean(RunStore.class);
		assertThat(runs.find(completed)).isNull();
		assertThat(runs.find(failed)).isNull();
		assertThat(app.getBean(StepStore.class).findSteps(completed)).isEmpty();
		assertThat(app.getBean(DeadLetterStore.class).count()).isZero();
	}

	private static double deleted(MeterRegistry meters, String kind) {
		return meters.get("background-jobs.retention.deleted").tag("kind", kind).counter().count();
	}

}
