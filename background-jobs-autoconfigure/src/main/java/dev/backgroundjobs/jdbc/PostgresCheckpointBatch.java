package dev.backgroundjobs.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.StepRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.util.Assert;

/**
 * The statements of a checkpoint batch on PostgreSQL: the batch is bound as arrays, so
 * that however many checkpoints it holds it costs two statements (lock the runs, then
 * write the steps, renew the leases and complete the runs in one statement of writable
 * common table expressions), each with a constant text that the server prepares once per
 * connection. Elsewhere the batch is one statement per row in JDBC batches.
 * <p>
 * Both statements join the caller's transaction; the caller checks the versions the lock
 * returns before it asks for the writes.
 */
final class PostgresCheckpointBatch {

	// Looked up by primary key alone: with the status in the condition, the generic plan
	// of a prepared statement also scans the status index, which holds every running run.
	private static final String LOCK_RUNS = """
			SELECT r.run_id, r.version, r.status,
					EXISTS (SELECT 1 FROM bj_invocations i WHERE i.child_run_id = r.run_id) AS child
			FROM bj_runs r
			WHERE r.run_id = ANY(?)
			ORDER BY r.run_id
			FOR UPDATE OF r
			""";

	private static final Set<String> HELD_STATUSES = Set.of(RunStatus.QUEUED.name(), RunStatus.RUNNING.name());

	// Each row is named once in at most one of the three data-modifying parts: a run is
	// either renewed (it saved a step) or completed.
	private static final String WRITE = """
			WITH steps AS (
				INSERT INTO bj_steps (run_id, step_id, status, attempts, output, error, started_at, finished_at)
				SELECT * FROM unnest(CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]),
						CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS timestamptz[]),
						CAST(? AS timestamptz[]))
				ON CONFLICT (run_id, step_id) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
						output = EXCLUDED.output, error = EXCLUDED.error, started_at = EXCLUDED.started_at,
						finished_at = EXCLUDED.finished_at
				RETURNING 1
			), renewed AS (
				UPDATE bj_runs SET lease_until = CURRENT_TIMESTAMP + CAST(? AS bigint) * INTERVAL '1 millisecond'
				WHERE run_id = ANY(CAST(? AS varchar[]))
				RETURNING 1
			), completed AS (
				UPDATE bj_runs r SET status = 'COMPLETED', output = c.output, lease_owner = NULL, lease_until = NULL,
						wake_at = NULL, finished_at = CURRENT_TIMESTAMP
				FROM unnest(CAST(? AS varchar[]), CAST(? AS text[])) AS c(run_id, output)
				WHERE r.run_id = c.run_id
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM steps) AS steps, (SELECT count(*) FROM renewed) AS renewed,
					(SELECT count(*) FROM completed) AS completed
			""";

	private final JdbcStoreSupport support;

	PostgresCheckpointBatch(JdbcStoreSupport support) {
		Assert.isTrue(support.dialect() == DatabaseDialect.POSTGRESQL, "Only for PostgreSQL");
		this.support = support;
	}

	/**
	 * Locks the rows of the runs, in run id order.
	 * @param runIds the runs
	 * @return the runs that are still held ({@link RunSql#HELD}), by id
	 */
	Map<String, LockedRun> lock(Collection<String> runIds) {
		return execute((connection) -> {
			Map<String, LockedRun> locked = new HashMap<>();
			try (PreparedStatement statement = connection.prepareStatement(LOCK_RUNS)) {
				statement.setArray(1, connection.createArrayOf("varchar", runIds.toArray()));
				try (ResultSet rows = statement.executeQuery()) {
					while (rows.next()) {
						if (HELD_STATUSES.contains(rows.getString(3))) {
							locked.put(rows.getString(1), new LockedRun(rows.getLong(2), rows.getBoolean(4)));
						}
					}
				}
			}
			return locked;
		});
	}

	/**
	 * Saves steps, renews leases and completes runs whose rows this transaction has
	 * locked and whose versions it checked, in one statement.
	 * @param steps the steps to save
	 * @param renewed the runs whose leases to renew
	 * @param completions the runs to complete, none of which is a child run
	 * @param lease how long a renewed lease lasts
	 */
	void write(List<StepRecord> steps, List<String> renewed, List<Checkpoint.RunCompleted> completions,
			@Nullable Duration lease) {
		if (steps.isEmpty() && (renewed.isEmpty() || lease == null) && completions.isEmpty()) {
			return;
		}
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
		String[] renewedIds = (lease != null) ? renewed.toArray(String[]::new) : new String[0];
		String[] completedIds = completions.stream().map(Checkpoint.RunCompleted::runId).toArray(String[]::new);
		String[] completedOutputs = completions.stream().map(Checkpoint.RunCompleted::output).toArray(String[]::new);
		execute((connection) -> {
			try (PreparedStatement statement = connection.prepareStatement(WRITE)) {
				int index = 1;
				statement.setArray(index++, connection.createArrayOf("varchar", runIds));
				statement.setArray(index++, connection.createArrayOf("varchar", stepIds));
				statement.setArray(index++, connection.createArrayOf("varchar", statuses));
				statement.setArray(index++, connection.createArrayOf("int4", attempts));
				statement.setArray(index++, connection.createArrayOf("text", outputs));
				statement.setArray(index++, connection.createArrayOf("text", errors));
				statement.setArray(index++, connection.createArrayOf("text", started));
				statement.setArray(index++, connection.createArrayOf("text", finished));
				statement.setLong(index++, (lease != null) ? lease.toMillis() : 0);
				statement.setArray(index++, connection.createArrayOf("varchar", renewedIds));
				statement.setArray(index++, connection.createArrayOf("varchar", completedIds));
				statement.setArray(index, connection.createArrayOf("text", completedOutputs));
				try (ResultSet counts = statement.executeQuery()) {
					Assert.state(counts.next(), "The checkpoint statement returns its counts");
					Assert.state(counts.getLong("completed") == completedIds.length,
							() -> "Completed fewer runs than were locked for completion");
				}
			}
			return null;
		});
	}

	private static String timestamp(Instant instant) {
		return instant.toString();
	}

	private <T> @Nullable T execute(ConnectionCallback<T> action) {
		return this.support.template().getJdbcTemplate().execute(action);
	}

	/**
	 * A run row locked by a checkpoint batch.
	 *
	 * @param version the run's version
	 * @param child whether the run was invoked by another run, which waits for it
	 */
	record LockedRun(long version, boolean child) {

	}

}
