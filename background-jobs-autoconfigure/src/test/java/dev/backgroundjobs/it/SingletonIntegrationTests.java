package dev.backgroundjobs.it;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.engine.InstanceId;
import dev.backgroundjobs.engine.RunDispatcher;
import dev.backgroundjobs.kafka.FunctionConsumers;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunQuery;
import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static dev.backgroundjobs.it.RunAwait.TIMEOUT;
import static dev.backgroundjobs.it.RunAwait.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of {@code @EventHandler(singleton)} with a real broker, two instances
 * and a real database: in {@code SKIP} mode the events of a key whose run sleeps or waits
 * are skipped and counted, and the next event after it finished starts a run; in
 * {@code CANCEL} mode a new event cancels the key's run executing on the other instance,
 * which stops at its next step boundary, and the database never holds two unfinished runs
 * of the key.
 */
class SingletonIntegrationTests {

	private static final int PARTITIONS = 4;

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class PostgreSql extends SingletonTests {

		@Override
		DataSource database() {
			return TestDatabases.postgres("bj_singleton_it");
		}

	}

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class MariaDb extends SingletonTests {

		@Override
		DataSource database() {
			return TestDatabases.mariadb("bj_singleton_it");
		}

	}

	abstract static class SingletonTests {

		private TestApplication.Cluster cluster;

		private DataSource dataSource;

		private ConfigurableApplicationContext first;

		private ConfigurableApplicationContext second;

		abstract DataSource database();

		// One pair of instances for the class: each test uses keys of its own.
		@BeforeAll
		void startInstances() {
			TestDatabases.ConnectionSettings database = TestDatabases.settings(database());
			this.dataSource = database.dataSource();
			TestApplication.Cluster.clearTables(this.dataSource);
			this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
				.with("test.durable-functions", "true");
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
		void skipSkipsAndCountsEventsWhileTheKeysRunSleepsOrWaitsAcrossTwoInstances() {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String key = "user-" + UUID.randomUUID();
			String other = "user-" + UUID.randomUUID();
			String held = publisher(first).send(Event.of("test/singleton-skip", new Job(key, 0, 3_600_000)));
			awaitStatus(first, "singleton-skip", held, RunStatus.SLEEPING);
			String whileSleeping = publisher(second).send("test/singleton-skip", Job.simple(key));
			await().atMost(TIMEOUT).until(() -> skipped(first, second, "singleton-skip") == 1);
			// The sleep ends (moved rather than waited for: the run's wake time and the
			// one its step recorded): the run then waits for an event.
			String heldRunId = NewRun.deriveRunId("singleton-skip", held);
			JdbcClient jdbc = JdbcClient.create(this.dataSource);
			jdbc.sql("UPDATE bj_steps SET output = :past WHERE run_id = :runId AND step_id = 'nap'")
				.param("past", "\"2000-01-01T00:00:00Z\"")
				.param("runId", heldRunId)
				.update();
			jdbc.sql("UPDATE bj_runs SET wake_at = :past WHERE run_id = :runId")
				.param("past", Timestamp.from(Instant.parse("2000-01-01T00:00:00Z")))
				.param("runId", heldRunId)
				.update();
			awaitStatus(first, "singleton-skip", held, RunStatus.WAITING);
			for (int i = 0; i < 3; i++) {
				publisher((i % 2 == 0) ? first : second).send("test/singleton-skip", Job.simple(key));
			}
			// Another key is not held back.
			String otherKey = publisher(second).send(Event.of("test/singleton-skip", new Job(other, 0, 1)));
			await().atMost(TIMEOUT).until(() -> skipped(first, second, "singleton-skip") == 4);
			awaitStatus(second, "singleton-skip", otherKey, RunStatus.WAITING);
			assertThat(first.getBean(RunStore.class).find(NewRun.deriveRunId("singleton-skip", whileSleeping)))
				.isNull();
			assertThat(this.cluster.probe.count(key, "started")).isOne();
			publisher(second).send("test/singleton-released", Job.simple(key));
			awaitStatus(first, "singleton-skip", held, RunStatus.COMPLETED);
			// Finished: the next event of the key starts a run.
			String afterFinish = publisher(second).send(Event.of("test/singleton-skip", new Job(key, 0, 1)));
			awaitStatus(second, "singleton-skip", afterFinish, RunStatus.WAITING);
			assertThat(this.cluster.probe.count(key, "started")).isEqualTo(2);
			assertThat(skipped(first, second, "singleton-skip")).isEqualTo(4);
			publisher(first).send("test/singleton-released", Job.simple(key));
			publisher(first).send("test/singleton-released", Job.simple(other));
			awaitStatus(first, "singleton-skip", afterFinish, RunStatus.COMPLETED);
			awaitStatus(first, "singleton-skip", otherKey, RunStatus.COMPLETED);
			assertThat(first.getBean(RunStore.class).findRuns(new RunQuery(null, "singleton-skip", null, 100)))
				.hasSize(3);
		}

		@Test
		void cancelStopsTheKeysRunOnTheOtherInstanceAtItsNextStepAndStartsTheNewOne() throws Exception {
			ConfigurableApplicationContext first = this.first;
			ConfigurableApplicationContext second = this.second;
			String key = "user-" + UUID.randomUUID();
			// Each event goes to a partition that the instance named reads, so the run
			// executes there: the superseded run on the first, the new one on the second.
			Event<Job> old = Event.of("test/singleton-cancel", Job.simple(key)).withId(idReadBy(first));
			Event<Job> superseding = Event.of("test/singleton-cancel", Job.simple(key)).withId(idReadBy(second));
			AtomicInteger mostUnfinished = new AtomicInteger();
			AtomicBoolean watching = new AtomicBoolean(true);
			Thread watcher = new Thread(() -> {
				JdbcClient jdbc = JdbcClient.create(this.dataSource);
				while (watching.get()) {
					int unfinished = jdbc
						.sql("SELECT COUNT(*) FROM bj_runs WHERE function_id = 'singleton-cancel' "
								+ "AND event_data LIKE :key "
								+ "AND status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING')")
						.param("key", "%" + key + "%")
						.query(Integer.class)
						.single();
					mostUnfinished.accumulateAndGet(unfinished, Math::max);
					try {
						Thread.sleep(10);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "unfinished-runs-watcher");
			watcher.start();
			try {
				publisher(first).send(old);
				await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(old.id(), "work") == 1);
				RunRecord running = awaitStatus(first, "singleton-cancel", old.id(), RunStatus.RUNNING);
				assertThat(running.leaseOwner()).isEqualTo(instanceId(first));
				publisher(first).send(superseding);
				RunRecord cancelled = awaitStatus(first, "singleton-cancel", old.id(), RunStatus.CANCELLED);
				assertThat(cancelled.error())
					.isEqualTo("cancelled: superseded by event " + superseding.id() + " (singleton 'data.key')");
				await().atMost(TIMEOUT).until(() -> this.cluster.probe.count(superseding.id(), "work") == 1);
				RunRecord started = awaitStatus(second, "singleton-cancel", superseding.id(), RunStatus.RUNNING);
				assertThat(started.leaseOwner()).isEqualTo(instanceId(second));
				// The old run's step in flight runs on beside the new run: it is not
				// interrupted, and stops at its end.
				this.cluster.probe.hit(superseding.id(), "go");
				awaitStatus(second, "singleton-cancel", superseding.id(), RunStatus.COMPLETED);
				this.cluster.probe.hit(old.id(), "go");
				await().atMost(TIMEOUT).until(() -> first.getBean(RunDispatcher.class).pool().activeCount() == 0);
			}
			finally {
				watching.set(false);
				watcher.join();
			}
			assertThat(this.cluster.probe.count(old.id(), "after")).isZero();
			assertThat(this.cluster.probe.count(superseding.id(), "after")).isOne();
			assertThat(first.getBean(RunStore.class).find(NewRun.deriveRunId("singleton-cancel", old.id())).status())
				.isEqualTo(RunStatus.CANCELLED);
			assertThat(mostUnfinished.get()).isOne();
		}

		/**
		 * Returns an event id whose record goes to a partition of the
		 * {@code test/singleton-cancel} topic that the instance reads, as the producer's
		 * default partitioner places records by key.
		 */
		private String idReadBy(ConfigurableApplicationContext instance) {
			String group = instance.getBean(TopicNames.class).functionGroup("singleton-cancel");
			await().atMost(TIMEOUT)
				.until(() -> assigned(this.first, group).size() + assigned(this.second, group).size() == PARTITIONS
						&& !assigned(instance, group).isEmpty());
			Set<Integer> partitions = assigned(instance, group);
			while (true) {
				String candidate = UUID.randomUUID().toString();
				int partition = Utils.toPositive(Utils.murmur2(candidate.getBytes(StandardCharsets.UTF_8)))
						% PARTITIONS;
				if (partitions.contains(partition)) {
					return candidate;
				}
			}
		}

		private static Set<Integer> assigned(ConfigurableApplicationContext instance, String group) {
			return instance.getBean(FunctionConsumers.class)
				.containers()
				.stream()
				.filter((container) -> group.equals(container.getContainerProperties().getGroupId()))
				.flatMap((container) -> container.getAssignedPartitions().stream())
				.map(TopicPartition::partition)
				.collect(Collectors.toSet());
		}

		private static String instanceId(ConfigurableApplicationContext context) {
			return context.getBean(InstanceId.class).value();
		}

		private static EventPublisher publisher(ConfigurableApplicationContext context) {
			return context.getBean(EventPublisher.class);
		}

		private static double skipped(ConfigurableApplicationContext first, ConfigurableApplicationContext second,
				String functionId) {
			double skipped = 0;
			for (ConfigurableApplicationContext context : List.of(first, second)) {
				Counter counter = context.getBean(MeterRegistry.class)
					.find("background-jobs.runs.skipped")
					.tag("function", functionId)
					.tag("reason", "singleton")
					.counter();
				skipped += (counter != null) ? counter.count() : 0;
			}
			return skipped;
		}

	}

}
