package dev.backgroundjobs.jdbc;

import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import dev.backgroundjobs.RunStatus;
import dev.backgroundjobs.store.Checkpoint;
import dev.backgroundjobs.store.CheckpointStore;
import dev.backgroundjobs.store.StepRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link CheckpointStore} on a relational database: one transaction per batch, whatever
 * its size, made of a locking read of the batch's runs, one batched upsert of the steps
 * and one batched update of the completions. On PostgreSQL the batch is bound as arrays
 * and written by one fenced statement that is its own transaction
 * ({@link PostgresCheckpointBatch}); only completions of child runs take the locking
 * read, as they wake their parents.
 * <p>
 * The locking read takes the rows in run id order and holds them until commit, so a claim
 * (which increments the version) cannot slip in between the fence check and the write;
 * lease heartbeats skip locked rows, so nothing else waits on a batch while holding other
 * run rows.
 * <p>
 * This is the only writer of steps and completions. Completing a run that a parent waits
 * for also makes the parent due, through {@link RunWakeups}, in the batch's transaction.
 */
public class JdbcCheckpointStore implements CheckpointStore {

	/**
	 * Most checkpoints written per transaction, well within every driver's limit on bind
	 * parameters; larger batches are split.
	 */
	public static final int MAX_BATCH_SIZE = 500;

	// By primary key alone, the status checked after: with the status in the condition,
	// a plan prepared for any list also scans the status index, which holds every running
	// run.
	private static final String LOCK_RUNS = """
			SELECT run_id, version, status FROM bj_runs
			WHERE run_id IN (:runIds)
			ORDER BY run_id
			FOR UPDATE
			""";

	private static final Set<String> HELD_STATUSES = Set.of(RunStatus.QUEUED.name(), RunStatus.RUNNING.name());

	private static final String COMPLETE = """
			UPDATE bj_runs
			SET status = 'COMPLETED', output = :output, lease_owner = NULL, lease_until = NULL, wake_at = NULL,
					finished_at = ${now}
			WHERE %s
			""".formatted(RunSql.FENCE);

	private static final String STEPS_TABLE = "bj_steps";

	private static final List<String> STEP_KEY = List.of("run_id", "step_id");

	private static final List<String> STEP_COLUMNS = List.of("status", "attempts", "output", "error", "started_at",
			"finished_at");

	private static final String SELECT_CHILDREN = """
			SELECT child_run_id FROM bj_invocations WHERE child_run_id IN (:runIds)
			""";

	private static final String RENEW_LEASES = """
			UPDATE bj_runs SET lease_until = ${now + leaseMillis}
			WHERE run_id IN (:runIds) AND (lease_until IS NULL OR lease_until < ${now + renewBelowMillis})
			""";

	private final @Nullable Duration lease;

	private final JdbcStoreSupport support;

	private final RunWakeups wakeups;

	private final String upsertStep;

	private final String complete;

	private final String renewLeases;

	private final @Nullable PostgresCheckpointBatch arrays;

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcCheckpointStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this(dataSource, dialect, transactionManager, null);
	}

	/**
	 * Creates a store whose step checkpoints also renew their runs' leases when less than
	 * half of a lease is left.
	 * <p>
	 * A checkpoint proves its run's owner alive, and it locks the run's row until it
	 * commits, while lease heartbeats skip locked rows. Under load a batch can hold its
	 * rows for seconds; renewing a lease the heartbeats let run low means a run that
	 * checkpoints is never found expired, and taken over, the moment its batch commits.
	 * Leases with more left are not written, which spares a new row version per step.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 * @param lease how long a lease lasts, or {@code null} to leave leases alone
	 */
	public JdbcCheckpointStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager, @Nullable Duration lease) {
		this.lease = lease;
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.wakeups = new RunWakeups(this.support);
		this.upsertStep = dialect.upsert(STEPS_TABLE, STEP_KEY, STEP_COLUMNS);
		this.complete = dialect.render(COMPLETE);
		this.renewLeases = dialect.render(RENEW_LEASES);
		this.arrays = (dialect == DatabaseDialect.POSTGRESQL) ? new PostgresCheckpointBatch(this.support) : null;
	}

	@Override
	public List<Boolean> write(List<Checkpoint> checkpoints) {
		Assert.notNull(checkpoints, "'checkpoints' must not be null");
		List<Boolean> written = new ArrayList<>(checkpoints.size());
		for (List<Checkpoint> batch : JdbcStoreSupport.chunks(checkpoints, MAX_BATCH_SIZE)) {
			written.addAll(writeBatch(batch));
		}
		return written;
	}

	private List<Boolean> writeBatch(List<Checkpoint> batch) {
		Set<String> runIds = new HashSet<>();
		for (Checkpoint checkpoint : batch) {
			Assert.isTrue(runIds.add(checkpoint.runId()),
					() -> "At most one checkpoint per run per batch; run " + checkpoint.runId() + " has several");
		}
		if (this.arrays != null) {
			return writeFenced(batch, this.arrays);
		}
		return writeLocked(batch, runIds);
	}

	/**
	 * Writes a batch in a transaction that first locks its runs and reads their versions.
	 */
	private List<Boolean> writeLocked(List<Checkpoint> batch, Set<String> runIds) {
		List<Boolean> written = this.support.transactions().execute((status) -> {
			Map<String, Long> versions = lockRuns(runIds);
			List<Boolean> results = new ArrayList<>(batch.size());
			List<SqlParameterSource> steps = new ArrayList<>();
			List<Object> renewed = new ArrayList<>();
			List<Checkpoint.RunCompleted> completions = new ArrayList<>();
			for (Checkpoint checkpoint : batch) {
				boolean current = Long.valueOf(checkpoint.version()).equals(versions.get(checkpoint.runId()));
				results.add(current);
				if (!current) {
					continue;
				}
				if (checkpoint instanceof Checkpoint.StepSaved saved) {
					steps.add(stepParameters(saved.step()));
					renewed.add(saved.runId());
				}
				else if (checkpoint instanceof Checkpoint.RunCompleted completed) {
					if (completed.lastStep() != null) {
						steps.add(stepParameters(completed.lastStep()));
					}
					completions.add(completed);
				}
			}
			if (!steps.isEmpty()) {
				this.support.template().batchUpdate(this.upsertStep, steps.toArray(SqlParameterSource[]::new));
			}
			renewLeases(renewed);
			complete(completions);
			return results;
		});
		Assert.state(written != null, "A checkpoint transaction returns its results");
		return written;
	}

	/**
	 * Writes a batch in one statement; completions of child runs, which must wake their
	 * parents, are then written in a transaction of their own.
	 */
	private List<Boolean> writeFenced(List<Checkpoint> batch, PostgresCheckpointBatch arrays) {
		PostgresCheckpointBatch.Fenced fenced = arrays.writeFenced(batch, this.lease);
		List<Checkpoint> children = batch.stream()
			.filter((checkpoint) -> fenced.children().contains(checkpoint.runId()))
			.toList();
		Map<String, Boolean> childResults = new HashMap<>();
		if (!children.isEmpty()) {
			List<Boolean> written = writeLocked(children, new HashSet<>(fenced.children()));
			for (int i = 0; i < children.size(); i++) {
				childResults.put(children.get(i).runId(), written.get(i));
			}
		}
		return batch.stream()
			.map((checkpoint) -> childResults.getOrDefault(checkpoint.runId(),
					fenced.written().contains(checkpoint.runId())))
			.toList();
	}

	// One at a time, as each also wakes the parent.
	private void completeChild(Checkpoint.RunCompleted completed) {
		SqlParameterSource parameters = new MapSqlParameterSource("runId", completed.runId())
			.addValue("version", completed.version())
			.addValue("output", completed.output(), Types.VARCHAR);
		this.wakeups.finish(completed.runId(), () -> this.support.template().update(this.complete, parameters) == 1);
	}

	// The rows are locked and their versions checked: each belongs to this writer's run.
	// Runs being completed are left out: their completion clears the lease. Only leases
	// with less than half left are renewed; the heartbeat keeps the others longer.
	private void renewLeases(List<Object> runIds) {
		if (this.lease == null || runIds.isEmpty()) {
			return;
		}
		this.support.jdbc()
			.sql(this.renewLeases)
			.param("leaseMillis", this.lease.toMillis())
			.param("renewBelowMillis", this.lease.dividedBy(2).toMillis())
			.param("runIds", runIds)
			.update();
	}

	private SqlParameterSource stepParameters(StepRecord step) {
		return new MapSqlParameterSource("run_id", step.runId())
			.addValue("step_id", JdbcStoreSupport.storable(step.stepId()))
			.addValue("status", step.status().name())
			.addValue("attempts", step.attempts())
			.addValue("output", JdbcStoreSupport.storable(step.output()), Types.VARCHAR)
			.addValue("error", JdbcStoreSupport.storable(step.error()), Types.VARCHAR)
			.addValue("started_at", this.support.bind(step.startedAt()))
			.addValue("finished_at", this.support.bind(step.finishedAt()));
	}

	private Map<String, Long> lockRuns(Set<String> runIds) {
		Map<String, Long> versions = new HashMap<>();
		this.support.jdbc().sql(LOCK_RUNS).param("runIds", runIds).query((rs) -> {
			if (HELD_STATUSES.contains(rs.getString("status"))) {
				versions.put(rs.getString("run_id"), rs.getLong("version"));
			}
		});
		return versions;
	}

	// Runs are locked and their versions checked, so each update matches its row.
	private void complete(List<Checkpoint.RunCompleted> completions) {
		if (completions.isEmpty()) {
			return;
		}
		Set<String> children = new HashSet<>(this.support.jdbc()
			.sql(SELECT_CHILDREN)
			.param("runIds", completions.stream().map(Checkpoint.RunCompleted::runId).toList())
			.query(String.class)
			.list());
		List<SqlParameterSource> plain = new ArrayList<>();
		for (Checkpoint.RunCompleted completed : completions) {
			if (children.contains(completed.runId())) {
				completeChild(completed);
			}
			else {
				plain.add(new MapSqlParameterSource("runId", completed.runId()).addValue("version", completed.version())
					.addValue("output", completed.output(), Types.VARCHAR));
			}
		}
		if (!plain.isEmpty()) {
			this.support.template().batchUpdate(this.complete, plain.toArray(SqlParameterSource[]::new));
		}
	}

}
