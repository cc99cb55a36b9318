package dev.backgroundjobs.it;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import dev.backgroundjobs.Event;
import dev.backgroundjobs.EventPublisher;
import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.json.PayloadCodec;
import dev.backgroundjobs.kafka.KafkaEventPublisher;
import dev.backgroundjobs.kafka.TopicNames;
import dev.backgroundjobs.kafka.TopicProvisioner;
import dev.backgroundjobs.outbox.OutboxMode;
import dev.backgroundjobs.outbox.OutboxRelay;
import dev.backgroundjobs.outbox.TransactionalOutbox;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.OutboxStore;
import dev.backgroundjobs.store.RunStore;
import dev.backgroundjobs.testsupport.TestDatabases;
import dev.backgroundjobs.testsupport.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The transactional outbox in a running application, against a real broker and PostgreSQL
 * and MariaDB: a send inside a transaction is seen only if the transaction commits, is
 * relayed right after it, and rows whose instance died before relaying them are relayed
 * by the poller of any instance, once per function.
 */
class OutboxIntegrationTests {

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class PostgreSql extends OutboxTests {

		@Override
		DataSource database() {
			return TestDatabases.postgres("bj_outbox_it");
		}

	}

	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class MariaDb extends OutboxTests {

		@Override
		DataSource database() {
			return TestDatabases.mariadb("bj_outbox_it");
		}

	}

	abstract static class OutboxTests {

		private TestApplication.Cluster cluster;

		private ConfigurableApplicationContext app;

		private EventPublisher events;

		private TransactionTemplate transactions;

		private JdbcClient jdbc;

		abstract DataSource database();

		@BeforeAll
		void startApplication() {
			TestDatabases.ConnectionSettings database = TestDatabases.settings(database());
			TestApplication.Cluster.clearTables(database.dataSource());
			this.cluster = new TestApplication.Cluster(database.url(), database.username(), database.password())
				.with("background-jobs.outbox.relay-interval", "100ms")
				.with("background-jobs.outbox.takeover-after", "300ms");
			this.app = this.cluster.start();
			this.events = this.app.getBean(EventPublisher.class);
			DataSource dataSource = this.app.getBean(DataSource.class);
			this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
			this.jdbc = JdbcClient.create(dataSource);
		}

		@AfterAll
		void stopApplication() {
			if (this.cluster != null) {
				this.cluster.close();
			}
		}

		@Test
		void aSendInACommittedTransactionIsInvisibleUntilTheCommitThenRunsEachFunctionOnce() {
			double relayedBefore = relayed();
			String eventId = this.transactions.execute((status) -> {
				String id = this.events.send("test/fanout", Job.simple("committed"));
				// In the transaction's own connection only.
				assertThat(outboxRows(id)).isOne();
				assertThat(CompletableFuture.supplyAsync(() -> outboxRows(id)).join()).isZero();
				return id;
			});
			RunAwait.awaitStatus(this.app, "fan-a", eventId, RunStatus.COMPLETED);
			RunAwait.awaitStatus(this.app, "fan-b", eventId, RunStatus.COMPLETED);
			assertThat(this.cluster.probe.count(eventId, "fan-a")).isOne();
			assertThat(this.cluster.probe.count(eventId, "fan-b")).isOne();
			await().atMost(RunAwait.TIMEOUT).until(() -> outboxRows(eventId) == 0);
			assertThat(relayed()).isEqualTo(relayedBefore + 1);
		}

		@Test
		void aSendInARolledBackTransactionIsNeverSeen() {
			String rolledBack = this.transactions.execute((status) -> {
				String id = this.events.send("test/fanout", Job.simple("rolled back"));
				status.setRollbackOnly();
				return id;
			});
			assertThat(outboxRows(rolledBack)).isZero();
			// The relay is first in, first out: once a later event ran, the rolled-back
			// one
			// would have been relayed before it.
			String later = this.transactions.execute((status) -> this.events.send("test/fanout", Job.simple("later")));
			RunAwait.awaitStatus(this.app, "fan-a", later, RunStatus.COMPLETED);
			RunAwait.awaitStatus(this.app, "fan-b", later, RunStatus.COMPLETED);
			RunStore runs = this.app.getBean(RunStore.class);
			assertThat(runs.find(NewRun.deriveRunId("fan-a", rolledBack))).isNull();
			assertThat(runs.find(NewRun.deriveRunId("fan-b", rolledBack))).isNull();
		}

		@Test
		void aSendOutsideATransactionIsPublishedDirectly() {
			double relayedBefore = relayed();
			String eventId = this.events.send("test/fanout", Job.simple("direct"));
			RunAwait.awaitStatus(this.app, "fan-a", eventId, RunStatus.COMPLETED);
			assertThat(relayed()).isEqualTo(relayedBefore);
		}

		@Test
		void eventsLeftInTheOutboxByAnInstanceThatDiedAreRelayedByTheOthersOncePerFunction() {
			ConfigurableApplicationContext second = this.cluster.start();
			try {
				List<Event<Job>> batch = new ArrayList<>();
				for (int i = 0; i < 100; i++) {
					batch.add(new Event<>(UUID.randomUUID().toString(), "test/fanout", Job.simple("orphan-" + i),
							Instant.now()));
				}
				// Committed by an instance whose relay never runs: as if it died right
				// after the commit.
				this.transactions.executeWithoutResult((status) -> deadInstance().sendAll(batch));
				assertThat(this.app.getBean(OutboxStore.class).backlog().size()).isGreaterThanOrEqualTo(100);
				for (Event<Job> event : batch) {
					RunAwait.awaitStatus(this.app, "fan-a", event.id(), RunStatus.COMPLETED);
					RunAwait.awaitStatus(this.app, "fan-b", event.id(), RunStatus.COMPLETED);
				}
				for (Event<Job> event : batch) {
					assertThat(this.cluster.probe.count(event.id(), "fan-a")).isOne();
					assertThat(this.cluster.probe.count(event.id(), "fan-b")).isOne();
				}
				await().atMost(RunAwait.TIMEOUT).until(() -> this.app.getBean(OutboxStore.class).backlog().size() == 0);
			}
			finally {
				second.close();
			}
		}

		@Test
		void eventsOfOneTransactionReachEachPartitionInTheOrderTheyWereSent() {
			List<Event<Job>> batch = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				batch.add(new Event<>(UUID.randomUUID().toString(), "test/fanout", Job.simple("ordered-" + i),
						Instant.now()));
			}
			this.transactions.executeWithoutResult((status) -> {
				for (Event<Job> event : batch) {
					this.events.send(event);
				}
			});
			List<String> sent = batch.stream().map(Event::id).toList();
			Map<Integer, List<String>> byPartition = readTopic(
					this.app.getBean(TopicNames.class).forEvent("test/fanout"), sent);
			assertThat(byPartition.values().stream().mapToInt(List::size).sum()).isEqualTo(sent.size());
			for (List<String> partition : byPartition.values()) {
				assertThat(partition)
					.isSortedAccordingTo((left, right) -> Integer.compare(sent.indexOf(left), sent.indexOf(right)));
			}
		}

		private Map<Integer, List<String>> readTopic(String topic, List<String> eventIds) {
			Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
					ConsumerConfig.GROUP_ID_CONFIG, "outbox-order-" + UUID.randomUUID(),
					ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
			// A row whose deletion lags behind takeover-after (300 ms here, on a loaded
			// machine) is relayed again: a second record of the same event, which
			// consumers
			// deduplicate by its id. The order that matters is that of first deliveries.
			Map<Integer, List<String>> byPartition = new HashMap<>();
			Set<String> delivered = new HashSet<>();
			try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
					new StringDeserializer())) {
				consumer.subscribe(List.of(topic));
				await().atMost(RunAwait.TIMEOUT).until(() -> {
					for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
						if (eventIds.contains(record.key()) && delivered.add(record.key())) {
							byPartition.computeIfAbsent(record.partition(), (key) -> new ArrayList<>())
								.add(record.key());
						}
					}
					return byPartition.values().stream().mapToInt(List::size).sum() >= eventIds.size();
				});
			}
			return byPartition;
		}

		@SuppressWarnings("unchecked")
		private KafkaEventPublisher deadInstance() {
			OutboxStore store = this.app.getBean(OutboxStore.class);
			OutboxRelay neverStarted = new OutboxRelay(store,
					(entry) -> CompletableFuture.failedFuture(new IllegalStateException("dead")),
					new OutboxRelay.Settings(Duration.ofHours(1), Duration.ofHours(1), 1, Duration.ofSeconds(1)),
					Clock.systemUTC());
			DataSource dataSource = this.app.getBean(DataSource.class);
			TransactionalOutbox outbox = new TransactionalOutbox(store, dataSource,
					new DataSourceTransactionManager(dataSource), OutboxMode.AUTO, neverStarted);
			KafkaEventPublisher publisher = new KafkaEventPublisher(
					this.app.getBean("backgroundJobsKafkaTemplate", KafkaTemplate.class),
					this.app.getBean(PayloadCodec.class), this.app.getBean(TopicNames.class),
					this.app.getBean(TopicProvisioner.class), Duration.ofSeconds(10), ObservationRegistry.NOOP,
					Clock.systemUTC());
			publisher.setOutbox(outbox);
			return publisher;
		}

		private int outboxRows(String eventId) {
			return this.jdbc.sql("SELECT COUNT(*) FROM bj_outbox WHERE event_id = :id")
				.param("id", eventId)
				.query(Integer.class)
				.single();
		}

		private double relayed() {
			return this.app.getBean(MeterRegistry.class).get("background-jobs.outbox.relay").timer().count();
		}

	}

}
