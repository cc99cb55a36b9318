package dev.backgroundjobs.faults.app;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Records each execution of a step body in {@code fault_step_executions}, through a pool
 * of its own that connects to the database directly (not through the fault proxy) and
 * commits at once, so executions are counted across crashes and outages.
 */
@Component
public class StepLedger implements DisposableBean {

	private static final String POSTGRESQL_TABLE = """
			CREATE TABLE IF NOT EXISTS fault_step_executions (
				run_id VARCHAR(255) NOT NULL,
				step_id VARCHAR(64) NOT NULL,
				instance VARCHAR(64) NOT NULL,
				at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())
			""";

	private static final String MARIADB_TABLE = """
			CREATE TABLE IF NOT EXISTS fault_step_executions (
				run_id VARCHAR(255) NOT NULL,
				step_id VARCHAR(64) NOT NULL,
				instance VARCHAR(64) NOT NULL,
				at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6))
			""";

	private static final String INSERT = "INSERT INTO fault_step_executions (run_id, step_id, instance) VALUES (?, ?, ?)";

	private final HikariDataSource dataSource;

	private final String instance;

	StepLedger(@Value("${faults.ledger-url}") String url, @Value("${spring.datasource.username:}") String username,
			@Value("${spring.datasource.password:}") String password,
			@Value("${faults.ledger-pool-size:3}") int poolSize,
			@Value("${background-jobs.instance-id}") String instance) throws SQLException {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(username);
		config.setPassword(password);
		config.setMaximumPoolSize(poolSize);
		config.setAutoCommit(true);
		config.setPoolName("ledger");
		this.dataSource = new HikariDataSource(config);
		this.instance = instance;
		String createTable = url.startsWith("jdbc:postgresql:") ? POSTGRESQL_TABLE : MARIADB_TABLE;
		try {
			execute(createTable);
		}
		catch (SQLException ex) {
			// Apps starting together race on PostgreSQL's CREATE TABLE IF NOT EXISTS (a
			// unique violation in its catalog): the other app created it, so check again.
			execute(createTable);
		}
	}

	private void execute(String sql) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	/**
	 * Records that a step body ran.
	 * @param runId the run
	 * @param stepId the step
	 */
	public void record(String runId, String stepId) {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement(INSERT)) {
			insert.setString(1, runId);
			insert.setString(2, stepId);
			insert.setString(3, this.instance);
			insert.executeUpdate();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not record step '" + stepId + "' of run " + runId, ex);
		}
	}

	@Override
	public void destroy() {
		this.dataSource.close();
	}

}
