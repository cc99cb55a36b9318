package dev.backgroundjobs.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the database and the broker hold after a scenario: its runs, the executions of
 * step bodies, the dead letters and the keys on the dead-letter topic.
 *
 * @param now the database's time when the snapshot was taken
 * @param runs the runs created since the scenario began
 * @param executions the step executions of those runs, by run id
 * @param deadLetterRuns the run ids that have a dead-letter row
 * @param deadLetterRecordKeys the keys of the records dead-lettered without a run
 * @param deadLetterTopicKeys the keys of the records on the dead-letter topic
 */
record Snapshot(Instant now, List<Run> runs, Map<String, List<Execution>> executions, Set<String> deadLetterRuns,
		Set<String> deadLetterRecordKeys, Set<String> deadLetterTopicKeys) {

	/**
	 * Reads the runs and executions since a time.
	 * @param cluster the cluster
	 * @param since the start of the scenario, in database time
	 * @param withTopic whether to read the dead-letter topic too
	 * @return the snapshot
	 */
	static Snapshot take(Cluster cluster, Instant since, boolean withTopic) {
		JdbcClient jdbc = JdbcClient.create(cluster.direct());
		FaultDatabase db = cluster.database();
		Instant now = databaseNow(cluster);
		List<Run> runs = jdbc.sql("""
				SELECT run_id, function_id, event_id, status, created_at, event_time, wake_at, finished_at, output
				FROM bj_runs WHERE created_at >= ?""")
			.param(db.bind(since))
			.query((rs, row) -> new Run(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
					db.read(rs, 5), db.read(rs, 6), db.read(rs, 7), db.read(rs, 8), rs.getString(9)))
			.list();
		Set<String> runIds = new HashSet<>();
		runs.forEach((run) -> runIds.add(run.runId()));
		Map<String, List<Execution>> executions = new HashMap<>();
		jdbc.sql("SELECT run_id, step_id, instance, at FROM fault_step_executions WHERE at >= ? ORDER BY at")
			.param(db.bind(since.minus(Duration.ofSeconds(1))))
			.query((rs, row) -> new Execution(rs.getString(1), rs.getString(2), rs.getString(3), db.read(rs, 4)))
			.list()
			.stream()
			.filter((execution) -> runIds.contains(execution.runId()))
			.forEach((execution) -> executions.computeIfAbsent(execution.runId(), (id) -> new ArrayList<>())
				.add(execution));
		Set<String> deadLetters = new HashSet<>(
				jdbc.sql("SELECT run_id FROM bj_dead_letters WHERE run_id IS NOT NULL").query(String.class).list());
		Set<String> recordKeys = new HashSet<>(
				jdbc.sql("SELECT record_key FROM bj_dead_letters WHERE run_id IS NULL AND record_key IS NOT NULL")
					.query((rs, row) -> new String(rs.getBytes(1), StandardCharsets.UTF_8))
					.list());
		Set<String> topicKeys = withTopic
				? topicKeys(cluster.broker().bootstrapServers(), deadLetterTopic(cluster.topicPrefix())) : Set.of();
		return new Snapshot(now, runs, executions, deadLetters, recordKeys, topicKeys);
	}

	static Instant databaseNow(Cluster cluster) {
		return JdbcClient.create(cluster.direct())
			.sql("SELECT " + cluster.database().now())
			.query((rs, row) -> cluster.database().read(rs, 1))
			.single();
	}

	static String deadLetterTopic(String prefix) {
		return prefix + ".dead-letters";
	}

	private static Set<String> topicKeys(String bootstrapServers, String topic) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
				ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
		Set<String> keys = new HashSet<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new ByteArrayDeserializer())) {
			List<PartitionInfo> partitions = consumer.partitionsFor(topic);
			if (partitions == null || partitions.isEmpty()) {
				return keys;
			}
			List<TopicPartition> assigned = partitions.stream()
				.map((info) -> new TopicPartition(info.topic(), info.partition()))
				.toList();
			consumer.assign(assigned);
			consumer.seekToBeginning(assigned);
			Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
			long deadline = System.currentTimeMillis() + 30_000;
			while (assigned.stream().anyMatch((tp) -> consumer.position(tp) < end.get(tp))
					&& System.currentTimeMillis() < deadline) {
				for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
					keys.add(record.key());
				}
			}
		}
		return keys;
	}

	/**
	 * A run.
	 *
	 * @param runId the run id
	 * @param functionId the function
	 * @param eventId the triggering event
	 * @param status the status
	 * @param createdAt when it was created
	 * @param eventTime the time of its event (the tick, for cron runs)
	 * @param wakeAt when a sleep or wait is due
	 * @param finishedAt when it finished
	 * @param output its output, as JSON
	 */
	record Run(String runId, String functionId, String eventId, String status, Instant createdAt, Instant eventTime,
			Instant wakeAt, Instant finishedAt, String output) {

		boolean isTerminal() {
			return this.status.equals("COMPLETED") || this.status.equals("FAILED") || this.status.equals("CANCELLED");
		}

	}

	/**
	 * One execution of a step body, from the ledger.
	 *
	 * @param runId the run
	 * @param stepId the step
	 * @param instance the app instance that ran it
	 * @param at when, in database time
	 */
	record Execution(String runId, String stepId, String instance, Instant at) {

	}

}
