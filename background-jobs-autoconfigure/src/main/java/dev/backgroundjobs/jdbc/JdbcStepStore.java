package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * {@link StepStore} on a relational database through {@code JdbcClient}.
 */
public class JdbcStepStore implements StepStore {

	private static final String FIND_STEPS = """
			SELECT run_id, step_id, status, attempts, output, error, started_at, finished_at
			FROM bj_steps
			WHERE run_id = :run_id
			ORDER BY started_at, step_id
			""";

	private static final String LOCK_RUN = """
			SELECT version FROM bj_runs
			WHERE run_id = :run_id AND version = :version AND status IN ('QUEUED', 'RUNNING')
			FOR UPDATE
			""";

	private static final String STEPS_TABLE = "bj_steps";

	private static final List<String> STEP_KEY = List.of("run_id", "step_id");

	private static final List<String> STEP_COLUMNS = List.of("status", "attempts", "output", "error", "started_at",
			"finished_at");

	private final JdbcStoreSupport support;

	private final String upsertStep;

	/**
	 * Creates a store on a data source, detecting its dialect and using a
	 * {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 */
	public JdbcStepStore(DataSource dataSource) {
		this(dataSource, DatabaseDialect.from(dataSource));
	}

	/**
	 * Creates a store on a data source, using a {@link JdbcTransactionManager} of its
	 * own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcStepStore(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcStepStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.upsertStep = upsertStatement(dialect);
	}

	static String upsertStatement(DatabaseDialect dialect) {
		return dialect.upsert(STEPS_TABLE, STEP_KEY, STEP_COLUMNS);
	}

	static MapSqlParameterSource parameters(JdbcStoreSupport support, StepRecord step) {
		return new MapSqlParameterSource("run_id", step.runId())
			.addValue("step_id", JdbcStoreSupport.storable(step.stepId()))
			.addValue("status", step.status().name())
			.addValue("attempts", step.attempts())
			.addValue("output", JdbcStoreSupport.storable(step.output()), Types.VARCHAR)
			.addValue("error", JdbcStoreSupport.storable(step.error()), Types.VARCHAR)
			.addValue("started_at", support.bind(step.startedAt()))
			.addValue("finished_at", support.bind(step.finishedAt()));
	}

	@Override
	public List<StepRecord> findSteps(String runId) {
		return this.support.jdbc().sql(FIND_STEPS).param("run_id", runId).query(this::mapStep).list();
	}

	@Override
	public boolean saveStep(StepRecord step, long version) {
		Assert.notNull(step, "'step' must not be null");
		Boolean saved = this.support.transactions().execute((status) -> {
			// The row lock on the run is held until commit: a claim, which increments the
			// version, waits for it, so the step cannot land after another instance took
			// over the run.
			boolean current = !this.support.jdbc()
				.sql(LOCK_RUN)
				.param("run_id", step.runId())
				.param("version", version)
				.query(Long.class)
				.list()
				.isEmpty();
			if (!current) {
				return false;
			}
			this.support.template().update(this.upsertStep, parameters(this.support, step));
			return true;
		});
		return Boolean.TRUE.equals(saved);
	}

	private StepRecord mapStep(ResultSet rs, int row) throws SQLException {
		return new StepRecord(rs.getString("run_id"), rs.getString("step_id"),
				StepStatus.valueOf(rs.getString("status")), rs.getInt("attempts"), rs.getString("output"),
				rs.getString("error"), this.support.getRequiredInstant(rs, "started_at"),
				this.support.getRequiredInstant(rs, "finished_at"));
	}

}
