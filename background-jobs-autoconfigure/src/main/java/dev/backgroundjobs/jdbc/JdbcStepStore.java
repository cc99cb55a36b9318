package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import dev.backgroundjobs.store.StepRecord;
import dev.backgroundjobs.store.StepStatus;
import dev.backgroundjobs.store.StepStore;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@link StepStore} on a relational database through {@code JdbcClient}. Steps are
 * written as checkpoints by {@link JdbcCheckpointStore}.
 */
public class JdbcStepStore implements StepStore {

	private static final String FIND_STEPS = """
			SELECT run_id, step_id, status, attempts, output, error, started_at, finished_at
			FROM bj_steps
			WHERE run_id = :run_id
			ORDER BY started_at, step_id
			""";

	private final JdbcStoreSupport support;

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
	}

	@Override
	public List<StepRecord> findSteps(String runId) {
		return this.support.jdbc().sql(FIND_STEPS).param("run_id", runId).query(this::mapStep).list();
	}

	private StepRecord mapStep(ResultSet rs, int row) throws SQLException {
		return new StepRecord(rs.getString("run_id"), rs.getString("step_id"),
				StepStatus.valueOf(rs.getString("status")), rs.getInt("attempts"), rs.getString("output"),
				rs.getString("error"), this.support.getRequiredInstant(rs, "started_at"),
				this.support.getRequiredInstant(rs, "finished_at"));
	}

}
