package dev.backgroundjobs.it;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.schedule.EngineLifecycle;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.backgroundjobs.it.RunAwait.TIMEOUT;
import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of concurrency limits and priority ({@code @EventHandler(concurrency,
 * priority)}) with a real broker, two instances and a real database: the steps of one key
 * never run more often at once than the limit, measured from their side effects; runs
 * above it wait {@link RunStatus#DELAYED} with their reason and start in priority order;
 * and the slot of a run whose instance stopped is freed through its lease.
 */
class ConcurrencyIntegrationTests {

	private static final String ONE_PER_KEY_REASON = "waiting for a concurrency slot: limit 1 for key 'data.key'";

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class PostgreSql extends ConcurrencyTests {

		@Override
		DataSource database() {
			return TestDatabases.postgres("bj_concurrency_it");
		}

	}

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class MariaDb extends ConcurrencyTests {

		@Override
		DataSource database() {
			return TestDatabases.mariadb("bj_concurrency_it");
		}

	}

	// The last test halts an instance: it runs last.
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	abstract static class ConcurrencyTests {

		private TestApplication.Cluster cluster;

		private ConfigurableApplicationContext first;

		private ConfigurableApplicationContext second;

		abstract DataSource database();

		// One pair of instances for the class: each test uses keys of its own.
		@BeforeAll
		void startInstances() {
			TestDatabases.ConnectionSettings database = TestDatabases.settings(database());
			TestApplication.Cluster.clearTables(database.dataSource());
			this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
				.with("test.concurrency-functions", "true");
			this.first = this.cluster.start();
			this.second = this.cluster.start();
		}

		@AfterAll
		void stopInstances() {
			if (this.cluster != null) {
				this.cluster.close();
			}
		}

		@Test
		@Order(1)
		void limitPerKeyHoldsAcrossTwoInstancesMeasuredFromTheSteps() {
			List<String> keys = List.of(key(), key(), key());
			List<String> events = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				for (String key : keys) {
					events.add(publisher((i % 2 == 0) ? this.first : this.second).send("test/two-per-key",
							new Job(key, 0, 150)));
				}
			}
			for (String event : events) {
				awaitStatus(this.first, "two-per-key", event, RunStatus.COMPLETED);
			}
			for (String event : events) {
				assertThat(this.cluster.probe.count(event, "two-per-key")).as(event).isOne();
			}
			for (String key : keys) {
				assertThat(this.cluster.occupancy.most(key)).as(key).isLessThanOrEqualTo(2);
			}
			// Runs of a key did run side by side: the limit, not a lack of work, bounds
			// them.
			assertThat(keys.stream().mapToInt(this.cluster.occupancy::most).max()).hasValue(2);
		}

		@Test
		@Order(2)
		void runsAboveTheLimitWaitDelayedWithTheirReasonAndStartInPriorityOrder() throws Exception {
			String key = key();
			String holder = publisher(this.first).send("test/one-per-key", new Job(key, 0, -1));
			assertThat(this.cluster.probe.awaitArrival(key)).isTrue();
			String early = publisher(this.second).send("test/one-per-key", new Job(key, 0, 0));
			String later = publisher(this.first).send("test/one-per-key", new Job(key, 0, 0));
			String urgent = publisher(this.second).send("test/one-per-key", new Job(key, 300, 0));
			RunStore runs = this.first.getBean(RunStore.class);
			for (String event : List.of(early, later, urgent)) {
				RunRecord waiting = awaitStatus(this.first, "one-per-key", event, RunStatus.DELAYED);
				assertThat(waiting.error()).isEqualTo(ONE_PER_KEY_REASON);
				assertThat(waiting.leaseOwner()).isNull();
			}
			assertThat(runs.findRuns(new RunQuery(RunStatus.DELAYED, "one-per-key", null, 100)))
				.extracting(RunRecord::eventId)
				.contains(early, later, urgent);
			this.cluster.probe.open(key);
			for (String event : List.of(holder, early, later, urgent)) {
				awaitStatus(this.first, "one-per-key", event, RunStatus.COMPLETED);
			}
			List<String> starts = this.cluster.occupancy.starts(key);
			assertThat(starts).hasSize(4).startsWith(holder, urgent);
			assertThat(this.cluster.occupancy.most(key)).isOne();
		}

		@Test
		@Order(3)
		void slotOfAnInstanceThatStoppedIsFreedWhenItsLeaseLapses() throws Exception {
			String key = key();
			String holder = publisher(this.first).send("test/one-per-key", new Job(key, 0, -1));
			assertThat(this.cluster.probe.awaitArrival(key)).isTrue();
			String waiting = publisher(this.second).send("test/one-per-key", new Job(key, 0, 0));
			awaitStatus(this.first, "one-per-key", waiting, RunStatus.DELAYED);
			RunStore runs = this.first.getBean(RunStore.class);
			String owner = runs.find(NewRun.deriveRunId("one-per-key", holder)).leaseOwner();
			ConfigurableApplicationContext holding = owner.equals(this.first.getBean(InstanceId.class).value())
					? this.first : this.second;
			ConfigurableApplicationContext survivor = (holding == this.first) ? this.second : this.first;
			// The holder's step stays blocked, as in a process that hangs or died: its
			// instance stops renewing leases and claiming.
			holding.getBean(EngineLifecycle.class).halt();
			awaitStatus(survivor, "one-per-key", holder, RunStatus.COMPLETED);
			awaitStatus(survivor, "one-per-key", waiting, RunStatus.COMPLETED);
			await().atMost(TIMEOUT).until(() -> this.cluster.occupancy.starts(key).size() == 3);
			assertThat(this.cluster.occupancy.starts(key)).containsExactly(holder, holder, waiting);
		}

		private static String key() {
			return "customer-" + UUID.randomUUID();
		}

		private static EventPublisher publisher(ConfigurableApplicationContext context) {
			return context.getBean(EventPublisher.class);
		}

	}

}
