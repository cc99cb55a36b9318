package dev.backgroundjobs.jdbc;

import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import dev.backgroundjobs.store.BatchStore;
import dev.backgroundjobs.store.BatchedEvent;
import dev.backgroundjobs.store.NewRun;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.util.Assert;

/**
 * A {@link BatchStore} on {@code bj_batches} (one row per function and batch key: the
 * events of its open batch and the batches closed so far) and {@code bj_batch_events}
 * (the events, each with the run of its batch once it has one).
 * <p>
 * Why no event is lost or in two batches: an event is inserted once per function (its
 * primary key is {@code (function_id, event_id)}, and a redelivered one is ignored), in
 * the same transaction as the count of its key's row, which that transaction holds locked
 * from before the insert until its commit. A batch is closed only under that lock: it
 * takes the oldest events of the key that are in no batch yet, marks them with its run id
 * and records the run, all in the transaction that holds the lock; if the transaction
 * rolls back, none of it happened, and if it commits, all of it did. The run's id is
 * derived from the key and the number of batches closed before it, which only the lock
 * holder advances, so a retried transaction records the same run and no other. Intake
 * takes its keys' locks in the order of their digests and waits; the timeout sweep takes
 * them with {@code SKIP LOCKED}, so it never waits for an intake and never deadlocks with
 * one.
 */
public final class JdbcBatchStore implements BatchStore {

	private static final String LOCK_KEY = """
			SELECT open_events, closed_batches FROM bj_batches WHERE batch_key = :batchKey FOR UPDATE
			""";

	private static final String INSERT_KEY = """
			INSERT INTO bj_batches (batch_key, function_id, open_events, opened_at, closed_batches)
			VALUES (:batchKey, :functionId, 0, NULL, 0)
			""";

	private static final String INSERT_EVENT = """
			INSERT INTO bj_batch_events (function_id, event_id, batch_key, event_name, event_data, event_time,
					trace_context, received_at, batch_run_id)
			VALUES (:functionId, :eventId, :batchKey, :eventName, :eventData, :eventTime, :traceContext, ${now}, NULL)
			""";

	private static final String SELECT_OPEN_EVENTS = """
			SELECT event_id, event_name, event_data, event_time, trace_context FROM bj_batch_events
			WHERE batch_key = :batchKey AND batch_run_id IS NULL
			ORDER BY received_at, event_time, event_id
			LIMIT :limit
			""";

	private static final String ASSIGN_EVENTS = """
			UPDATE bj_batch_events SET batch_run_id = :runId
			WHERE function_id = :functionId AND event_id IN (:eventIds) AND batch_run_id IS NULL
			""";

	/**
	 * Writes a key's row after its events changed: the time its open batch started is
	 * that of its oldest event still in no batch, or none.
	 */
	private static final String UPDATE_KEY = """
			UPDATE bj_batches SET open_events = :openEvents, closed_batches = :closedBatches,
					opened_at = (SELECT MIN(e.received_at) FROM bj_batch_events e
							WHERE e.batch_key = :batchKey AND e.batch_run_id IS NULL)
			WHERE batch_key = :batchKey
			""";

	private static final String SELECT_DUE_KEYS = """
			SELECT batch_key FROM bj_batches
			WHERE function_id = :functionId AND opened_at <= ${now + offsetMillis}
			ORDER BY opened_at
			LIMIT :limit
			""";

	private static final String LOCK_DUE_KEYS = """
			SELECT batch_key, function_id, open_events, closed_batches FROM bj_batches
			WHERE batch_key IN (:batchKeys) AND opened_at <= ${now + offsetMillis}
			FOR UPDATE SKIP LOCKED
			""";

	private final JdbcStoreSupport support;

	private final JdbcRunInserts runs;

	private final String insertKey;

	private final String insertEvent;

	/**
	 * Creates a store.
	 * @param dataSource the data source
	 * @param dialect the dialect of the database
	 * @param transactionManager the transaction manager of the data source
	 */
	public JdbcBatchStore(DataSource dataSource, DatabaseDialect dialect,
			PlatformTransactionManager transactionManager) {
		this.support = new JdbcStoreSupport(dataSource, dialect, transactionManager);
		this.runs = new JdbcRunInserts(this.support, new JdbcConcurrencySlots(this.support));
		this.insertKey = dialect.insertIgnoringDuplicates(dialect.render(INSERT_KEY));
		this.insertEvent = dialect.insertIgnoringDuplicates(dialect.render(INSERT_EVENT));
	}

	@Override
	public List<NewRun> add(List<BatchedEvent> events, int maxSize, String owner, Duration lease) {
		Assert.notNull(events, "'events' must not be null");
		Assert.isTrue(maxSize > 0, "'maxSize' must be positive");
		if (events.isEmpty()) {
			return List.of();
		}
		// Keys locked in the order of their digests, so that two instances with polls
		// that share keys wait for each other instead of deadlocking.
		Map<String, List<BatchedEvent>> byKey = new TreeMap<>();
		for (BatchedEvent event : events) {
			validate(event);
			byKey.computeIfAbsent(digest(event.functionId(), event.batchKey()), (key) -> new ArrayList<>()).add(event);
		}
		List<NewRun> created = this.support.transactions().execute((status) -> {
			List<NewRun> batches = new ArrayList<>();
			byKey.forEach((batchKey, keyEvents) -> {
				String functionId = keyEvents.get(0).functionId();
				KeyRow row = lock(batchKey, functionId);
				int added = 0;
				for (BatchedEvent event : keyEvents) {
					if (insertIgnoringDuplicate(this.insertEvent, eventParameters(batchKey, event))) {
						added++;
					}
				}
				if (added > 0) {
					row = new KeyRow(batchKey, functionId, row.openEvents() + added, row.closedBatches());
					while (row.openEvents() >= maxSize) {
						row = close(row, maxSize, owner, lease, batches);
					}
					updateKey(row);
				}
			});
			return batches;
		});
		return (created != null) ? created : List.of();
	}

	@Override
	public List<NewRun> closeDue(String functionId, int maxSize, Duration timeout, int limit, String owner,
			Duration lease) {
		Assert.hasText(functionId, "'functionId' must not be empty");
		Assert.isTrue(maxSize > 0, "'maxSize' must be positive");
		List<String> candidates = this.support.jdbc()
			.sql(this.support.render(SELECT_DUE_KEYS))
			.param("functionId", functionId)
			.param("offsetMillis", -timeout.toMillis())
			.param("limit", limit)
			.query(String.class)
			.list();
		if (candidates.isEmpty()) {
			return List.of();
		}
		List<NewRun> created = this.support.transactions().execute((status) -> {
			List<KeyRow> due = this.support.jdbc()
				.sql(this.support.render(LOCK_DUE_KEYS))
				.param("batchKeys", candidates)
				.param("offsetMillis", -timeout.toMillis())
				.query((rs, rowNum) -> new KeyRow(rs.getString("batch_key"), rs.getString("function_id"),
						rs.getInt("open_events"), rs.getLong("closed_batches")))
				.list();
			List<NewRun> batches = new ArrayList<>();
			for (KeyRow key : due) {
				KeyRow row = key;
				while (row.openEvents() > 0) {
					row = close(row, maxSize, owner, lease, batches);
				}
				updateKey(row);
			}
			return batches;
		});
		return (created != null) ? created : List.of();
	}

	/**
	 * Locks the row of a key, inserting it first if it is new. Locking first takes the
	 * row's lock directly when it exists, as it mostly does; a row that another instance
	 * inserted after the lock found none is locked by the second attempt.
	 */
	private KeyRow lock(String batchKey, String functionId) {
		KeyRow row = findLocked(batchKey, functionId);
		if (row != null) {
			return row;
		}
		insertIgnoringDuplicate(this.insertKey,
				new MapSqlParameterSource("batchKey", batchKey).addValue("functionId", functionId));
		row = findLocked(batchKey, functionId);
		Assert.state(row != null, () -> "Batch key row " + batchKey + " vanished");
		return row;
	}

	private @Nullable KeyRow findLocked(String batchKey, String functionId) {
		return this.support.jdbc()
			.sql(LOCK_KEY)
			.param("batchKey", batchKey)
			.query((rs, rowNum) -> new KeyRow(batchKey, functionId, rs.getInt("open_events"),
					rs.getLong("closed_batches")))
			.optional()
			.orElse(null);
	}

	/**
	 * Closes one batch of a locked key: its oldest events in no batch, up to
	 * {@code maxSize}, become the events of a new run.
	 */
	private KeyRow close(KeyRow row, int maxSize, String owner, Duration lease, List<NewRun> batches) {
		List<BatchedEvent> events = this.support.jdbc()
			.sql(SELECT_OPEN_EVENTS)
			.param("batchKey", row.batchKey())
			.param("limit", maxSize)
			.query((rs, rowNum) -> new BatchedEvent(row.functionId(), "", rs.getString("event_id"),
					rs.getString("event_name"), rs.getString("event_data"),
					this.support.getRequiredInstant(rs, "event_time"), rs.getString("trace_context")))
			.list();
		long sequence = row.closedBatches() + 1;
		if (events.isEmpty()) {
			// The count said there were open events, but none is left: repair the count.
			return new KeyRow(row.batchKey(), row.functionId(), 0, row.closedBatches());
		}
		String batchId = batchEventId(row.batchKey(), sequence);
		BatchedEvent first = events.get(0);
		NewRun run = new NewRun(NewRun.deriveRunId(row.functionId(), batchId), row.functionId(), batchId,
				first.eventName(), BatchedEvent.toJson(events), first.eventTime(), first.traceContext());
		List<String> eventIds = events.stream().map(BatchedEvent::eventId).toList();
		int assigned = this.support.jdbc()
			.sql(ASSIGN_EVENTS)
			.param("runId", run.runId())
			.param("functionId", row.functionId())
			.param("eventIds", eventIds)
			.update();
		// Both hold under the key's lock; a failure rolls back the whole transaction
		// rather than let an event be in two batches or a batch have two runs.
		Assert.state(assigned == events.size(), () -> "Events of batch " + batchId + " of function '" + row.functionId()
				+ "' are in another batch already");
		Assert.state(this.runs.insertLeased(List.of(run), owner, lease).size() == 1,
				() -> "Batch " + batchId + " of function '" + row.functionId() + "' has a run already");
		batches.add(run);
		return new KeyRow(row.batchKey(), row.functionId(), Math.max(0, row.openEvents() - events.size()), sequence);
	}

	private void updateKey(KeyRow row) {
		this.support.jdbc()
			.sql(UPDATE_KEY)
			.param("batchKey", row.batchKey())
			.param("openEvents", row.openEvents())
			.param("closedBatches", row.closedBatches())
			.update();
	}

	private MapSqlParameterSource eventParameters(String batchKey, BatchedEvent event) {
		return new MapSqlParameterSource("functionId", JdbcStoreSupport.storable(event.functionId()))
			.addValue("eventId", JdbcStoreSupport.storable(event.eventId()))
			.addValue("batchKey", batchKey)
			.addValue("eventName", JdbcStoreSupport.storable(event.eventName()))
			.addValue("eventData", event.eventData(), Types.VARCHAR)
			.addValue("eventTime", this.support.bind(event.eventTime()))
			.addValue("traceContext", event.traceContext(), Types.VARCHAR);
	}

	private boolean insertIgnoringDuplicate(String sql, MapSqlParameterSource parameters) {
		try {
			return this.support.template().update(sql, parameters) == 1;
		}
		catch (DuplicateKeyException ex) {
			// Stored already: skip, as insert-ignore does on the other databases
			return false;
		}
	}

	private static void validate(BatchedEvent event) {
		Assert.notNull(event, "'events' must not contain null");
		if (event.eventId().length() > JdbcRunStore.MAX_ID_LENGTH
				|| event.eventName().length() > JdbcRunStore.MAX_ID_LENGTH
				|| event.functionId().length() > JdbcRunStore.MAX_ID_LENGTH) {
			throw new IllegalArgumentException("The id or name of event '" + event.eventId() + "' for function '"
					+ event.functionId() + "' is longer than " + JdbcRunStore.MAX_ID_LENGTH + " characters");
		}
	}

	/**
	 * Returns the event id of the run of a batch: the key's digest, which names the
	 * function and the key, and the batch's number within the key.
	 * @param batchKey the key's digest
	 * @param sequence the number of the batch, from 1
	 * @return the event id
	 */
	static String batchEventId(String batchKey, long sequence) {
		return "batch:" + batchKey + ":" + sequence;
	}

	/**
	 * Returns the stored key of a function's batches: the SHA-256 of the function id and
	 * the value of its batch key, so that one short column indexes keys of any length and
	 * the batches of different functions are apart.
	 * @param functionId the function id
	 * @param key the value of the batch key
	 * @return the hex digest
	 */
	static String digest(String functionId, String key) {
		return JdbcIntakeGates.digest(functionId, "batch", key);
	}

	/**
	 * The row of a key as the transaction holding its lock sees it.
	 */
	private record KeyRow(String batchKey, String functionId, int openEvents, long closedBatches) {

	}

}
