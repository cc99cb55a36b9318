package dev.backgroundjobs.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

/**
 * What PostgreSQL itself sustains for checkpoint-sized inserts over plain JDBC, on the
 * same machine in the same run: rows per second for one-row and ten-row transactions on
 * one and on eight connections. A table shaped like {@code bj_steps} in the
 * {@code bench_jdbc} schema.
 */
public final class JdbcLimits implements AutoCloseable {

	/**
	 * The schema the plain-JDBC measurement writes to.
	 */
	public static final String SCHEMA = "bench_jdbc";

	private static final String CREATE_TABLE = """
			CREATE TABLE IF NOT EXISTS bench_rows (
				run_id VARCHAR(36) NOT NULL,
				step_id VARCHAR(255) NOT NULL,
				status VARCHAR(16) NOT NULL,
				output TEXT,
				finished_at TIMESTAMP WITH TIME ZONE NOT NULL,
				PRIMARY KEY (run_id, step_id)
			)
			""";

	private static final String INSERT = "INSERT INTO bench_rows (run_id, step_id, status, output, finished_at) "
			+ "VALUES (?, ?, 'COMPLETED', NULL, now())";

	private final DataSource dataSource;

	/**
	 * Creates the measurement and its table.
	 * @param infrastructure the database
	 */
	public JdbcLimits(Infrastructure infrastructure) {
		this.dataSource = infrastructure.dataSource(SCHEMA, 8);
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute(CREATE_TABLE);
			statement.execute("TRUNCATE bench_rows");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot create the plain-JDBC table", ex);
		}
	}

	/**
	 * Inserts rows for a while and returns the rate.
	 * @param connections how many connections insert concurrently
	 * @param rowsPerTransaction rows per transaction, sent as one batch
	 * @param duration how long to insert
	 * @return rows per second
	 */
	public double rowsPerSecond(int connections, int rowsPerTransaction, Duration duration) {
		AtomicLong rows = new AtomicLong();
		ExecutorService executor = Executors.newFixedThreadPool(connections);
		long start = System.nanoTime();
		long end = start + duration.toNanos();
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < connections; i++) {
				futures.add(executor.submit(() -> insertUntil(end, rowsPerTransaction, rows)));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException("Plain-JDBC insert failed", ex);
		}
		finally {
			executor.shutdown();
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		truncate();
		return rows.get() / seconds;
	}

	private Void insertUntil(long end, int rowsPerTransaction, AtomicLong rows) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement(INSERT)) {
			connection.setAutoCommit(false);
			while (System.nanoTime() < end) {
				String runId = UUID.randomUUID().toString();
				for (int i = 0; i < rowsPerTransaction; i++) {
					insert.setString(1, runId);
					insert.setString(2, "step-" + i);
					insert.addBatch();
				}
				insert.executeBatch();
				connection.commit();
				rows.addAndGet(rowsPerTransaction);
			}
			connection.setAutoCommit(true);
		}
		return null;
	}

	private void truncate() {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("TRUNCATE bench_rows");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot clear the plain-JDBC table", ex);
		}
	}

	/**
	 * Closes the measurement's connections.
	 */
	@Override
	public void close() {
		Infrastructure.close(this.dataSource);
	}

}
