package dev.backgroundjobs.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.StepRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.util.Assert;

/**
 * A checkpoint batch on PostgreSQL as one statement: the batch is bound as arrays, so
 * that however many checkpoints it holds it is one statement with a constant text, which
 * the server prepares once per connection, and its own transaction. Elsewhere, and for
 * completions of child runs, {@link JdbcCheckpointStore} locks the runs and writes in
 * JDBC batches.
 */
final class PostgresCheckpointBatch {

	// One statement, its own transaction: the fenced reads lock and check each run (a
	// concurrent claim is re-read before the version is compared), and only the steps of
	// runs they matched are saved. A lease is renewed only when less than half of it is
	// left: the heartbeat keeps it longer than that, so a step checkpoint usually only
	// locks
	// its run's row, and adds no new row version to the run table's indexes. A completion
	// of a child run is left out and reported, as it must lock its parent first.
	private static final String FENCED_WRITE = """
			WITH batch AS (
				SELECT * FROM unnest(CAST(? AS varchar[]), CAST(? AS bigint[]), CAST(? AS boolean[]),
						CAST(? AS text[])) AS b(run_id, version, completes, output)
			), children AS (
				SELECT b.run_id FROM batch b
				WHERE b.completes AND EXISTS (SELECT 1 FROM bj_invocations i WHERE i.child_run_id = b.run_id)
			), held AS (
				SELECT r.run_id, r.lease_until FROM bj_runs r JOIN batch b ON r.run_id = b.run_id
				WHERE NOT b.completes AND r.version = b.version AND r.%1$s
				FOR UPDATE OF r
			), renewed AS (
				UPDATE bj_runs r SET lease_until = CURRENT_TIMESTAMP + CAST(? AS bigint) * INTERVAL '1 millisecond'
				FROM held h
				WHERE r.run_id = h.run_id AND CAST(? AS boolean)
						AND (h.lease_until IS NULL
							OR h.lease_until < CURRENT_TIMESTAMP + CAST(? AS bigint) * INTERVAL '1 millisecond')
			), completed AS (
				UPDATE bj_runs r SET status = 'COMPLETED', output = b.output, lease_owner = NULL, lease_until = NULL,
						wake_at = NULL, finished_at = CURRENT_TIMESTAMP
				FROM batch b
				WHERE r.run_id = b.run_id AND b.completes AND r.version = b.version AND r.%1$s
						AND b.run_id NOT IN (SELECT run_id FROM children)
				RETURNING r.run_id
			), steps AS (
				INSERT INTO bj_steps (run_id, step_id, status, attempts, output, error, started_at, finished_at)
				SELECT * FROM unnest(CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]),
						CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS timestamptz[]),
						CAST(? AS timestamptz[])) AS s(run_id, step_id, status, attempts, output, error, started_at,
						finished_at)
				WHERE s.run_id IN (SELECT run_id FROM held UNION ALL SELECT run_id FROM completed)
				ON CONFLICT (run_id, step_id) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
						output = EXCLUDED.output, error = EXCLUDED.error, started_at = EXCLUDED.started_at,
						finished_at = EXCLUDED.finished_at
			)
			SELECT run_id, FALSE AS child FROM held
			UNION ALL SELECT run_id, FALSE FROM completed
			UNION ALL SELECT run_id, TRUE FROM children
			""".formatted(RunSql.HELD);

	private final JdbcStoreSupport support;

	PostgresCheckpointBatch(JdbcStoreSupport support) {
		Assert.isTrue(support.dialect() == DatabaseDialect.POSTGRESQL, "Only for PostgreSQL");
		this.support = support;
	}

	/**
	 * Writes a batch in one statement, outside any transaction: each run's write happens
	 * only if the run is still held at the checkpoint's version. Completions of child
	 * runs are not written but reported, for the caller to write with their parents'
	 * wake-up.
	 * @param batch the checkpoints, at most one per run
	 * @param lease how long a renewed lease lasts, or {@code null} to leave leases alone;
	 * a lease is renewed only when less than half of this is left
	 * @return the runs written and the child runs left out
	 */
	Fenced writeFenced(List<Checkpoint> batch, @Nullable Duration lease) {
		List<Checkpoint> ordered = batch.stream().sorted(Comparator.comparing(Checkpoint::runId)).toList();
		int size = ordered.size();
		String[] runIds = new String[size];
		Long[] versions = new Long[size];
		Boolean[] completes = new Boolean[size];
		String[] completedOutputs = new String[size];
		List<StepRecord> steps = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			Checkpoint checkpoint = ordered.get(i);
			runIds[i] = checkpoint.runId();
			versions[i] = checkpoint.version();
			if (checkpoint instanceof Checkpoint.StepSaved saved) {
				completes[i] = false;
				steps.add(saved.step());
			}
			else if (checkpoint instanceof Checkpoint.RunCompleted completed) {
				completes[i] = true;
				completedOutputs[i] = completed.output();
				if (completed.lastStep() != null) {
					steps.add(completed.lastStep());
				}
			}
		}
		Fenced fenced = execute((connection) -> {
			try (PreparedStatement statement = connection.prepareStatement(FENCED_WRITE)) {
				int index = 1;
				statement.setArray(index++, connection.createArrayOf("varchar", runIds));
				statement.setArray(index++, connection.createArrayOf("int8", versions));
				statement.setArray(index++, connection.createArrayOf("bool", completes));
				statement.setArray(index++, connection.createArrayOf("text", completedOutputs));
				statement.setLong(index++, (lease != null) ? lease.toMillis() : 0);
				statement.setBoolean(index++, lease != null);
				statement.setLong(index++, (lease != null) ? lease.dividedBy(2).toMillis() : 0);
				bindSteps(connection, statement, index, steps);
				Set<String> written = new HashSet<>();
				Set<String> children = new HashSet<>();
				try (ResultSet rows = statement.executeQuery()) {
					while (rows.next()) {
						(rows.getBoolean(2) ? children : written).add(rows.getString(1));
					}
				}
				return new Fenced(written, children);
			}
		});
		Assert.state(fenced != null, "The checkpoint statement returns its runs");
		return fenced;
	}

	private static void bindSteps(Connection connection, PreparedStatement statement, int first, List<StepRecord> steps)
			throws SQLException {
		int size = steps.size();
		String[] runIds = new String[size];
		String[] stepIds = new String[size];
		String[] statuses = new String[size];
		Integer[] attempts = new Integer[size];
		String[] outputs = new String[size];
		String[] errors = new String[size];
		String[] started = new String[size];
		String[] finished = new String[size];
		for (int i = 0; i < size; i++) {
			StepRecord step = steps.get(i);
			runIds[i] = step.runId();
			stepIds[i] = JdbcStoreSupport.storable(step.stepId());
			statuses[i] = step.status().name();
			attempts[i] = step.attempts();
			outputs[i] = JdbcStoreSupport.storable(step.output());
			errors[i] = JdbcStoreSupport.storable(step.error());
			started[i] = timestamp(step.startedAt());
			finished[i] = timestamp(step.finishedAt());
		}
		int index = first;
		statement.setArray(index++, connection.createArrayOf("varchar", runIds));
		statement.setArray(index++, connection.createArrayOf("varchar", stepIds));
		statement.setArray(index++, connection.createArrayOf("varchar", statuses));
		statement.setArray(index++, connection.createArrayOf("int4", attempts));
		statement.setArray(index++, connection.createArrayOf("text", outputs));
		statement.setArray(index++, connection.createArrayOf("text", errors));
		statement.setArray(index++, connection.createArrayOf("text", started));
		statement.setArray(index, connection.createArrayOf("text", finished));
	}

	/**
	 * What a fenced write did.
	 *
	 * @param written the runs whose checkpoint was written
	 * @param children the child runs whose completion was left out
	 */
	record Fenced(Set<String> written, Set<String> children) {

	}

	private static String timestamp(Instant instant) {
		return instant.toString();
	}

	private <T> @Nullable T execute(ConnectionCallback<T> action) {
		return this.support.template().getJdbcTemplate().execute(action);
	}

}
