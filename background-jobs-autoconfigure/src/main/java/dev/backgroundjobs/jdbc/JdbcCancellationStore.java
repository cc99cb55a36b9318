package dev.backgroundjobs.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.NewRun;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@link CancellationStore} on a relational database through {@code JdbcClient}.
 * <p>
 * A run's keys are inserted in the transaction that inserts the run
 * ({@code bj_cancel_keys}, see {@code JdbcRunInserts}); a cancelling event upserts the
 * latest event time of its key in {@code bj_cancellations}. Each side commits its write
 * before it reads the other's table, in a statement of its own, under read committed: if
 * the cancelling event's query for runs does not see a run, the run committed after that
 * query began, so after the cancellation committed, and the run's own query for
 * cancellations, which begins after the run committed, sees it. Each run is then
 * cancelled in a transaction of its own by a conditional update, so two instances
 * cancelling the same run, or a cancel racing the run's own progress, make one change at
 * most, and no batch locks many runs.
 * <p>
 * Cancelling bumps the run's version and clears its lease: a worker executing it fails
 * its next fenced write and stops at that step boundary.
 */
public class JdbcCancellationStore implements CancellationStore {

	private static final String UNFINISHED = "'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING'";

	private static final String INSERT_CANCELLATION = """
			INSERT INTO bj_cancellations (cancel_key, event_time, recorded_at) VALUES (:cancelKey, :eventTime, ${now})
			""";

	private static final String UPDATE_CANCELLATION = """
			UPDATE bj_cancellations
			SET event_time = CASE WHEN event_time < :eventTime THEN :eventTime ELSE event_time END, recorded_at = ${now}
			WHERE cancel_key = :cancelKey
			""";

	private static final String SELECT_RUNS = """
			SELECT k.run_id FROM bj_cancel_keys k JOIN bj_runs r ON r.run_id = k.run_id
			WHERE k.cancel_key = :cancelKey AND k.event_time <= :eventTime AND r.status IN (%s)
			ORDER BY k.run_id
			""".formatted(UNFINISHED);

	private static final String SELECT_CANCELLATIONS = """
			SELECT cancel_key, event_time FROM bj_cancellations WHERE cancel_key IN (:cancelKeys)
			""";

	private static final String CANCEL_RUN = """
			UPDATE bj_runs
			SET status = 'CANCELLED', version = version + 1, lease_owner = NULL, lease_until = NULL, wake_at = NULL,
					finished_at = ${now}
			WHERE run_id = :runId AND status IN (%s)
			""".formatted(UNFINISHED);

	private static final String DELETE_EVENT_WAITS = "DELETE FROM bj_event_waits WHERE run_id = :runId";

	private static final String DELETE_CANCELLATIONS = """
			DELETE FROM bj_cancellations WHERE recorded_at < ${now + offsetMillis}
			""";

	private final JdbcStoreSupport support;

	private final RunWakeups wakeups;

	private final String insertCancellation;

	/**
	 * Creates a store, using a {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 */
	public JdbcCancellationStore(DataSource dataSource, DatabaseDialect dialect) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource));
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcCancellationStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.wakeups = new RunWakeups(this.support);
		this.insertCancellation = dialect.insertIgnoringDuplicates(dialect.render(INSERT_CANCELLATION));
	}

	/**
	 * Returns the stored form of a key of a function's runs: the SHA-256 of its parts, so
	 * that one short column indexes keys of any length.
	 * @param functionId the function id
	 * @param key the key
	 * @return the hex digest
	 */
	static String digest(String functionId, NewRun.CancelKey key) {
		String text = functionId + '\u0000' + key.eventName() + '\u0000' + key.matchPath() + '\u0000'
				+ key.matchValue();
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

	@Override
	public int cancel(String functionId, NewRun.CancelKey key, Instant eventTime) {
		String cancelKey = digest(functionId, key);
		Object time = this.support.bind(eventTime);
		this.support.transactions().executeWithoutResult((status) -> {
			boolean inserted;
			try {
				inserted = this.support.jdbc()
					.sql(this.insertCancellation)
					.param("cancelKey", cancelKey)
					.param("eventTime", time)
					.update() == 1;
			}
			catch (DuplicateKeyException ex) {
				inserted = false;
			}
			if (!inserted) {
				this.support.jdbc()
					.sql(this.support.render(UPDATE_CANCELLATION))
					.param("cancelKey", cancelKey)
					.param("eventTime", time)
					.update();
			}
		});
		// Only now, after the cancellation committed: see the class Javadoc.
		List<String> runIds = this.support.jdbc()
			.sql(SELECT_RUNS)
			.param("cancelKey", cancelKey)
			.param("eventTime", time)
			.query(String.class)
			.list();
		int cancelled = 0;
		for (String runId : runIds) {
			if (cancelRun(runId)) {
				cancelled++;
			}
		}
		return cancelled;
	}

	@Override
	public Set<String> cancelRecorded(Collection<NewRun> runs) {
		Map<String, List<NewRun>> runsByKey = new HashMap<>();
		for (NewRun run : runs) {
			for (NewRun.CancelKey key : run.cancelKeys()) {
				runsByKey.computeIfAbsent(digest(run.functionId(), key), (digest) -> new ArrayList<>()).add(run);
			}
		}
		Set<String> covered = new LinkedHashSet<>();
		if (runsByKey.isEmpty()) {
			return covered;
		}
		for (List<String> chunk : JdbcStoreSupport.chunks(new ArrayList<>(runsByKey.keySet()),
				JdbcStoreSupport.MAX_LIST_SIZE)) {
			this.support.jdbc().sql(SELECT_CANCELLATIONS).param("cancelKeys", chunk).query((rs) -> {
				Instant cancelledAt = this.support.getRequiredInstant(rs, "event_time");
				for (NewRun run : runsByKey.get(rs.getString("cancel_key"))) {
					if (!run.eventTime().isAfter(cancelledAt)) {
						covered.add(run.runId());
					}
				}
			});
		}
		covered.forEach(this::cancelRun);
		return covered;
	}

	@Override
	public int deleteCancellations(Duration olderThan) {
		return this.support.jdbc()
			.sql(this.support.render(DELETE_CANCELLATIONS))
			.param("offsetMillis", -olderThan.toMillis())
			.update();
	}

	private boolean cancelRun(String runId) {
		Boolean cancelled = this.support.transactions().execute((status) -> {
			// Like every finish, a cancellation wakes a parent waiting for the run, and
			// removes the run's open waits so that no event resolves them.
			if (!this.wakeups.finish(runId,
					() -> this.support.jdbc()
						.sql(this.support.render(CANCEL_RUN))
						.param("runId", runId)
						.update() == 1)) {
				return false;
			}
			this.support.jdbc().sql(DELETE_EVENT_WAITS).param("runId", runId).update();
			return true;
		});
		return Boolean.TRUE.equals(cancelled);
	}

}
