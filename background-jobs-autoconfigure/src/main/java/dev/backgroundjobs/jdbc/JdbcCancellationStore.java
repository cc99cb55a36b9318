package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import dev.backgroundjobs.store.KeyDigest;
import dev.backgroundjobs.store.CancellationStore;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@link CancellationStore} on a relational database through {@code JdbcClient}.
 * <p>
 * A run's keys are inserted in the transaction that inserts the run
 * ({@code bj_cancel_keys}, see {@code JdbcRunInserts}); a cancelling event upserts the
 * latest event time of its key in {@code bj_cancellations}. Each side commits its write
 * before it reads the other's table, in a statement of its own (so with a fresh snapshot
 * under read committed and repeatable read alike): if the cancelling event's query for
 * runs does not see a run, the run committed after that query began, so after the
 * cancellation committed, and the run's own query for cancellations, which begins after
 * the run committed, sees it.
 * <p>
 * Each run is then cancelled by {@link RunStore#cancel(String, String)}, in a transaction
 * of its own and only if it has not finished, so two instances cancelling the same run,
 * or a cancel racing the run's own progress, make one change at most, and no batch locks
 * many runs. It bumps the run's version and clears its lease: a worker executing the run
 * fails its next fenced write and stops at that step boundary.
 */
public class JdbcCancellationStore implements CancellationStore {

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
			WHERE k.cancel_key = :cancelKey AND k.event_time <= :eventTime
				AND r.status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING')
			ORDER BY k.run_id
			""";

	private static final String SELECT_CANCELLATIONS = """
			SELECT cancel_key, event_time FROM bj_cancellations WHERE cancel_key IN (:cancelKeys)
			""";

	private static final String DELETE_CANCELLATIONS = """
			DELETE FROM bj_cancellations WHERE recorded_at < ${now + offsetMillis}
			""";

	private final JdbcStoreSupport support;

	private final RunStore runs;

	private final String insertCancellation;

	/**
	 * Creates a store, using a {@link JdbcTransactionManager} of its own.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param runs cancels the runs
	 */
	public JdbcCancellationStore(DataSource dataSource, DatabaseDialect dialect, RunStore runs) {
		this(dataSource, dialect, new JdbcTransactionManager(dataSource), runs);
	}

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 * @param runs cancels the runs
	 */
	public JdbcCancellationStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager, RunStore runs) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.runs = runs;
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
		return KeyDigest.sha256Hex(
				functionId + '\u0000' + key.eventName() + '\u0000' + key.matchPath() + '\u0000' + key.matchValue());
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
		String reason = "cancelled by event '" + key.eventName() + "'";
		int cancelled = 0;
		for (String runId : runIds) {
			if (this.runs.cancel(runId, reason)) {
				cancelled++;
			}
		}
		return cancelled;
	}

	@Override
	public Set<String> cancelRecorded(Collection<NewRun> runs) {
		Map<String, List<NewRun>> runsByKey = new HashMap<>();
		Map<String, String> eventNames = new HashMap<>();
		for (NewRun run : runs) {
			for (NewRun.CancelKey key : run.cancelKeys()) {
				String cancelKey = digest(run.functionId(), key);
				runsByKey.computeIfAbsent(cancelKey, (unused) -> new ArrayList<>()).add(run);
				eventNames.put(cancelKey, key.eventName());
			}
		}
		if (runsByKey.isEmpty()) {
			return Set.of();
		}
		// Run id to the name of the event that cancels it.
		Map<String, String> covered = new LinkedHashMap<>();
		for (List<String> chunk : JdbcStoreSupport.chunks(new ArrayList<>(runsByKey.keySet()),
				JdbcStoreSupport.MAX_LIST_SIZE)) {
			this.support.jdbc().sql(SELECT_CANCELLATIONS).param("cancelKeys", chunk).query((rs) -> {
				Instant cancelledAt = this.support.getRequiredInstant(rs, "event_time");
				String cancelKey = rs.getString("cancel_key");
				for (NewRun run : runsByKey.get(cancelKey)) {
					if (!run.eventTime().isAfter(cancelledAt)) {
						covered.putIfAbsent(run.runId(), eventNames.get(cancelKey));
					}
				}
			});
		}
		covered.forEach((runId, eventName) -> this.runs.cancel(runId,
				"cancelled by event '" + eventName + "', which arrived before the run started"));
		return covered.keySet();
	}

	@Override
	public int deleteCancellations(Duration olderThan) {
		return this.support.jdbc()
			.sql(this.support.render(DELETE_CANCELLATIONS))
			.param("offsetMillis", -olderThan.toMillis())
			.update();
	}

}
