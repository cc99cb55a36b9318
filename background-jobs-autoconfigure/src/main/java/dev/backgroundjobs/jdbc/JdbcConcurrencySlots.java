package dev.backgroundjobs.jdbc;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

import dev.backgroundjobs.Priority;
import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

/**
 * The concurrency slots of {@link JdbcRunStore}: a run holds a slot of its key while it
 * is {@code QUEUED} or {@code RUNNING} with the key's hash in
 * {@code bj_runs.concurrency_key}, so the slots are counted from the runs and free
 * themselves whenever a run stops being held: it finishes, parks, or its lapsed lease
 * moves it to another instance with its slot. No counter is kept that a crash could leak.
 * <p>
 * Every admission locks the key's row in {@code bj_concurrency_keys} first, then counts
 * and starts runs, in one transaction, for all the keys it serves at once: instances
 * admitting the same key take turns, so they never start more runs than the limit between
 * them. Runs waiting for a slot are {@code DELAYED}, queued by {@code wake_at}: the time
 * they started waiting, moved {@link #QUEUE_SHIFT_MILLIS} back for every waiting run (so
 * that a run moved back by its priority is still due at once) and then by the run's own
 * priority.
 */
final class JdbcConcurrencySlots {

	/**
	 * How far back of the time they start waiting every run waiting for a slot is queued:
	 * as far as a priority can move a run back, so the run is due at once whatever its
	 * priority, and the waiting runs of a key keep their order.
	 */
	static final long QUEUE_SHIFT_MILLIS = Priority.MAX_SECONDS * 1000L;

	/**
	 * Locks the rows of keys, in key order so that instances locking several keys at once
	 * wait for each other rather than deadlock.
	 */
	private static final String LOCK_KEYS = """
			SELECT key_hash FROM bj_concurrency_keys WHERE key_hash IN (:keyHashes) ORDER BY key_hash FOR UPDATE
			""";

	/**
	 * Locks the rows of keys that no other transaction holds: a claim skips a key another
	 * instance is admitting, whose runs that instance starts.
	 */
	private static final String LOCK_FREE_KEYS = """
			SELECT key_hash FROM bj_concurrency_keys WHERE key_hash IN (:keyHashes) ORDER BY key_hash
			FOR UPDATE SKIP LOCKED
			""";

	/**
	 * Inserts the rows of keys that do not exist yet, in key order, on PostgreSQL: the
	 * first statement of {@link #lockAndCountTaken}.
	 */
	private static final String INSERT_MISSING_KEYS = """
			INSERT INTO bj_concurrency_keys (key_hash, locked_at)
			SELECT key_hash, CURRENT_TIMESTAMP FROM unnest(CAST(ARRAY[:keyHashes] AS varchar[])) AS keys (key_hash)
			ORDER BY key_hash
			ON CONFLICT DO NOTHING
			""";

	private static final String INSERT_KEY = """
			INSERT INTO bj_concurrency_keys (key_hash, locked_at) VALUES (:keyHash, ${now})
			""";

	/**
	 * Counts the runs that take or wait for the slots of keys. Waiting runs are those
	 * due: a run a throttle starts later is not in the queue yet.
	 */
	private static final String COUNT_TAKEN = """
			SELECT concurrency_key, COUNT(*) FROM bj_runs
			WHERE concurrency_key IN (:keyHashes)
					AND (status IN ('QUEUED', 'RUNNING') OR (status = 'DELAYED' AND wake_at <= ${now}))
			GROUP BY concurrency_key
			""";

	// attempt 0 and no start time: the run has not started, and its claim starts it.
	private static final String DELAY = """
			UPDATE bj_runs
			SET status = 'DELAYED', attempt = 0, lease_owner = NULL, lease_until = NULL,
					started_at = NULL, wake_at = ${now + queueMillis}, error = :reason
			WHERE run_id = :runId
			""";

	/**
	 * Sleeping and waiting runs whose time came, of a function with a limit: they need a
	 * slot again before they resume, so they join its queue.
	 */
	private static final String SELECT_WOKEN = """
			SELECT run_id FROM bj_runs
			WHERE status IN ('SLEEPING', 'WAITING') AND wake_at <= ${now} AND function_id = :functionId
					AND concurrency_key IS NOT NULL
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	private static final String QUEUE_WOKEN = """
			UPDATE bj_runs SET status = 'DELAYED', wake_at = ${now + queueMillis}, error = :reason
			WHERE run_id IN (:runIds)
			""";

	/**
	 * Due runs of a function with a limit that hold no key: recorded before it declared
	 * the limit, or started by {@code step.invoke}. No slot is counted for them.
	 */
	private static final String SELECT_DUE_UNKEYED = """
			SELECT run_id FROM bj_runs
			WHERE concurrency_key IS NULL AND status IN ('SLEEPING', 'WAITING', 'DELAYED') AND wake_at <= ${now}
					AND function_id = :functionId
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	/**
	 * The keys of a function that have due waiting runs and, as far as a read without
	 * locks can tell, a free slot: the first in the queue first. Only these are locked
	 * and counted, so keys whose slots are all taken cost nothing but this query.
	 */
	private static final String SELECT_ADMITTABLE_KEYS = """
			SELECT concurrency_key FROM bj_runs
			WHERE function_id = :functionId AND concurrency_key IS NOT NULL
					AND (status IN ('QUEUED', 'RUNNING') OR (status = 'DELAYED' AND wake_at <= ${now}))
			GROUP BY concurrency_key
			HAVING SUM(CASE WHEN status = 'DELAYED' THEN 1 ELSE 0 END) > 0
					AND SUM(CASE WHEN status = 'DELAYED' THEN 0 ELSE 1 END) < :limit
			ORDER BY MIN(CASE WHEN status = 'DELAYED' THEN wake_at END)
			LIMIT :keys
			""";

	/**
	 * How many waiting runs at the head of a function's queue a round looks at first.
	 */
	private static final int HEAD_SCAN = 1000;

	/**
	 * The keys of the due waiting runs at the head of a function's queue, in queue order.
	 */
	private static final String SELECT_QUEUE_HEAD_KEYS = """
			SELECT concurrency_key FROM bj_runs
			WHERE status = 'DELAYED' AND wake_at <= ${now} AND function_id = :functionId
					AND concurrency_key IS NOT NULL
			ORDER BY wake_at
			LIMIT :limit
			""";

	private static final String COUNT_HELD = """
			SELECT concurrency_key, COUNT(*) FROM bj_runs
			WHERE concurrency_key IN (:keyHashes) AND status IN ('QUEUED', 'RUNNING')
			GROUP BY concurrency_key
			""";

	/**
	 * The first due waiting runs of each of some keys, up to {@code :limit} per key, in
	 * queue order.
	 */
	private static final String SELECT_QUEUE_HEADS = """
			SELECT run_id, concurrency_key FROM (
				SELECT run_id, concurrency_key, wake_at,
						ROW_NUMBER() OVER (PARTITION BY concurrency_key ORDER BY wake_at, run_id) AS position
				FROM bj_runs
				WHERE concurrency_key IN (:keyHashes) AND status = 'DELAYED' AND wake_at <= ${now}
			) queued
			WHERE position <= :limit
			ORDER BY wake_at, run_id
			""";

	private static final String LOCK_DELAYED = """
			SELECT run_id FROM bj_runs WHERE run_id IN (:runIds) AND status = 'DELAYED' FOR UPDATE SKIP LOCKED
			""";

	private final JdbcStoreSupport support;

	private final String insertKey;

	/**
	 * The statements of {@link #lockAndCountTaken} on PostgreSQL.
	 */
	private final String lockAndCountTaken;

	private final WaitingRunHints waitingHints = new WaitingRunHints();

	JdbcConcurrencySlots(JdbcStoreSupport support) {
		this.support = support;
		this.insertKey = support.dialect().insertIgnoringDuplicates(support.render(INSERT_KEY));
		this.lockAndCountTaken = String.join(";\n", INSERT_MISSING_KEYS.strip(), LOCK_KEYS.strip(),
				support.render(COUNT_TAKEN).strip());
	}

	/**
	 * Returns the hash of a key of a function's limit: the SHA-256 of the function id and
	 * the key's value, so that one short column indexes keys of any length and the keys
	 * of different functions count apart.
	 * @param functionId the function id
	 * @param key the value of the key
	 * @return the hex digest
	 */
	static String digest(String functionId, String key) {
		return JdbcIntakeGates.digest(functionId, "concurrency", key);
	}

	/**
	 * Admits runs just recorded leased and running, in the caller's transaction: per key,
	 * the first runs (by priority, then in the order given) take the slots that neither a
	 * held run nor an earlier waiting run claims; the others become {@code DELAYED}. The
	 * runs were inserted with their key's hash, so an admitted run costs no statement of
	 * its own, and the key's locks are held only for a count and the few runs made to
	 * wait. Keys are locked in hash order, so instances admitting several keys at once do
	 * not deadlock on each other.
	 * @param runs the runs, each with a slot, inserted in this transaction with their
	 * key's hash, in the order of the poll
	 * @return the runs made to wait, each with its reason
	 */
	Map<String, String> admitRecorded(List<NewRun> runs) {
		Map<String, List<NewRun>> byKey = new TreeMap<>();
		for (NewRun run : runs) {
			NewRun.Slot slot = run.slot();
			if (slot != null) {
				byKey.computeIfAbsent(digest(run.functionId(), slot.key()), (key) -> new ArrayList<>()).add(run);
			}
		}
		if (byKey.isEmpty()) {
			return Map.of();
		}
		List<String> keyHashes = new ArrayList<>(byKey.keySet());
		// The count sees this transaction's own runs too, recorded running: they are the
		// ones being admitted, so only the others take slots ahead of them.
		Map<String, Long> taken = lockAndCountTaken(keyHashes);
		Map<String, String> delayed = new LinkedHashMap<>();
		List<SqlParameterSource> waiting = new ArrayList<>();
		byKey.forEach((keyHash, keyRuns) -> {
			long takenByOthers = taken.getOrDefault(keyHash, 0L) - keyRuns.size();
			long free = keyRuns.get(0).slot().limit() - takenByOthers;
			List<NewRun> queue = new ArrayList<>(keyRuns);
			queue.sort(Comparator.comparingInt((NewRun run) -> -run.slot().priority()));
			for (NewRun run : queue) {
				NewRun.Slot slot = run.slot();
				if (free > 0) {
					free--;
				}
				else {
					waiting.add(new MapSqlParameterSource("runId", run.runId()).addValue("reason", slot.reason())
						.addValue("queueMillis", -QUEUE_SHIFT_MILLIS - slot.priority() * 1000L));
					delayed.put(run.runId(), slot.reason());
				}
			}
		});
		if (!waiting.isEmpty()) {
			this.support.template().batchUpdate(this.support.render(DELAY), waiting.toArray(SqlParameterSource[]::new));
		}
		return delayed;
	}

	/**
	 * Selects, locking them, the runs of one limited function to start now, up to
	 * {@code limit}: first its sleeping and waiting runs whose time came are queued for a
	 * slot; then its due runs without a key start at once; then, in one transaction that
	 * locks the keys that seem to have room (skipping those another instance holds) and
	 * counts them again, the first waiting runs of each take its free slots. A statement
	 * does the same work for all the keys of a round, so a round costs the same few
	 * statements however many keys it serves. The caller claims the selected runs in the
	 * transaction that selected them, through a callback.
	 * @param admission the function and its limit
	 * @param limit the most runs to start
	 * @param claim claims runs selected in the current transaction
	 * @return how many runs were claimed
	 */
	int admit(RunStore.Admission admission, int limit, Consumer<List<String>> claim) {
		String functionId = admission.functionId();
		this.support.transactions().executeWithoutResult((status) -> {
			List<String> woken = this.support.jdbc()
				.sql(this.support.render(SELECT_WOKEN))
				.param("functionId", functionId)
				.param("limit", JdbcStoreSupport.MAX_LIST_SIZE)
				.query(String.class)
				.list();
			if (!woken.isEmpty()) {
				this.support.jdbc()
					.sql(this.support.render(QUEUE_WOKEN))
					.param("queueMillis", -QUEUE_SHIFT_MILLIS)
					.param("reason", admission.reason())
					.param("runIds", woken)
					.update();
			}
		});
		int claimed = 0;
		Integer unkeyed = this.support.transactions().execute((status) -> {
			List<String> runIds = this.support.jdbc()
				.sql(this.support.render(SELECT_DUE_UNKEYED))
				.param("functionId", functionId)
				.param("limit", limit)
				.query(String.class)
				.list();
			if (!runIds.isEmpty()) {
				claim.accept(runIds);
			}
			return runIds.size();
		});
		claimed += (unkeyed != null) ? unkeyed : 0;
		if (claimed >= limit) {
			return claimed;
		}
		return claimed + admitWaiting(admission, limit - claimed, claim, true);
	}

	/**
	 * Notes that a committed transaction of this instance made runs of a function wait
	 * for a slot, so that the ends of its runs look at its queue again.
	 * @param functionId the function id
	 */
	void runsWaiting(String functionId) {
		this.waitingHints.note(functionId);
	}

	/**
	 * Says whether runs of a function may be waiting for a slot, as far as this instance
	 * knows: what {@link #admitWaiting} reads before it looks, unless told to look
	 * always.
	 * @param functionId the function id
	 * @return whether a hint says runs may wait
	 */
	boolean mayHaveWaitingRuns(String functionId) {
		return this.waitingHints.current(functionId) != null;
	}

	/**
	 * Selects, locking them, the runs of one limited function already waiting for a slot,
	 * up to {@code limit}, as the last part of {@link #admit} does: what a run that freed
	 * its slot lets start. Unless {@code always}, nothing is looked at while this
	 * instance knows of no waiting run of the function (see {@link WaitingRunHints}).
	 * @param admission the function and its limit
	 * @param limit the most runs to start
	 * @param claim claims runs selected in the current transaction
	 * @param always whether to look at the queue even without a hint that runs wait
	 * @return how many runs were claimed
	 */
	int admitWaiting(RunStore.Admission admission, int limit, Consumer<List<String>> claim, boolean always) {
		String functionId = admission.functionId();
		Long hint = this.waitingHints.current(functionId);
		if (hint == null && !always) {
			return 0;
		}
		int room = limit;
		// The keys at the head of the queue first: a short index range, enough while the
		// head has keys with room. Only when it has none is every waiting key looked at,
		// so a key with room behind a long queue of full keys is not passed over.
		List<String> head = this.support.jdbc()
			.sql(this.support.render(SELECT_QUEUE_HEAD_KEYS))
			.param("functionId", functionId)
			.param("limit", HEAD_SCAN)
			.query(String.class)
			.list();
		if (head.isEmpty()) {
			this.waitingHints.foundEmpty(functionId, hint);
			return 0;
		}
		if (hint == null) {
			runsWaiting(functionId);
		}
		List<String> headKeys = head.stream().distinct().limit(room).toList();
		int started = startFromKeys(admission, headKeys, room, claim);
		if (started == 0 && head.size() == HEAD_SCAN) {
			List<String> keys = this.support.jdbc()
				.sql(this.support.render(SELECT_ADMITTABLE_KEYS))
				.param("functionId", functionId)
				.param("limit", admission.limit())
				.param("keys", room)
				.query(String.class)
				.list();
			started = startFromKeys(admission, keys, room, claim);
		}
		return started;
	}

	/**
	 * Starts the first waiting runs of some keys, as many as each has free slots, in one
	 * transaction that locks the keys it can (another instance admitting a key keeps it).
	 */
	private int startFromKeys(RunStore.Admission admission, List<String> keys, int room, Consumer<List<String>> claim) {
		if (keys.isEmpty()) {
			return 0;
		}
		Integer started = this.support.transactions().execute((status) -> {
			List<String> locked = this.support.jdbc()
				.sql(LOCK_FREE_KEYS)
				.param("keyHashes", keys)
				.query(String.class)
				.list();
			if (locked.isEmpty()) {
				return 0;
			}
			Map<String, Long> held = count(COUNT_HELD, locked);
			Map<String, Long> free = new HashMap<>();
			locked.forEach((keyHash) -> free.put(keyHash, admission.limit() - held.getOrDefault(keyHash, 0L)));
			List<String> picked = new ArrayList<>();
			this.support.jdbc()
				.sql(this.support.render(SELECT_QUEUE_HEADS))
				.param("keyHashes", locked)
				.param("limit", admission.limit())
				.query((rs) -> {
					String keyHash = rs.getString("concurrency_key");
					if (picked.size() < room && free.merge(keyHash, -1L, Long::sum) >= 0) {
						picked.add(rs.getString("run_id"));
					}
				});
			if (picked.isEmpty()) {
				return 0;
			}
			List<String> runIds = this.support.jdbc()
				.sql(LOCK_DELAYED)
				.param("runIds", picked)
				.query(String.class)
				.list();
			if (!runIds.isEmpty()) {
				claim.accept(runIds);
			}
			return runIds.size();
		});
		return (started != null) ? started : 0;
	}

	/**
	 * Locks the rows of keys and counts the runs that take or wait for their slots. On
	 * PostgreSQL, the three statements this takes go in one round trip, for each chunk of
	 * keys: the rows of new keys are inserted (skipping those that exist, and waiting for
	 * another transaction inserting the same key), all the rows are locked in key order,
	 * then the runs are counted. Each statement reads with a snapshot of its own, taken
	 * when the one before it finished, so the count sees every run that another instance
	 * admitted while it held a lock. One round trip matters because the intake that runs
	 * this records every run of its function, one poll after the other, and on a busy
	 * machine each round trip costs it a wait for the database to be scheduled.
	 * Elsewhere, see {@link #lockKeys}.
	 */
	private Map<String, Long> lockAndCountTaken(List<String> keyHashes) {
		if (this.support.dialect() != DatabaseDialect.POSTGRESQL) {
			lockKeys(keyHashes);
			return count(COUNT_TAKEN, keyHashes);
		}
		Map<String, Long> counts = new HashMap<>();
		for (List<String> chunk : JdbcStoreSupport.chunks(keyHashes, JdbcStoreSupport.MAX_LIST_SIZE)) {
			this.support.template()
				.execute(this.lockAndCountTaken, new MapSqlParameterSource("keyHashes", chunk), (statement) -> {
					statement.execute();
					// The results in order: the insert's count, the locked keys, the
					// counts.
					statement.getMoreResults();
					statement.getMoreResults();
					try (ResultSet resultSet = statement.getResultSet()) {
						while (resultSet.next()) {
							counts.put(resultSet.getString(1), resultSet.getLong(2));
						}
					}
					return null;
				});
		}
		return counts;
	}

	/**
	 * Locks the rows of keys in key order, inserting those that do not exist yet (their
	 * first runs). Selecting first takes the locks of existing rows at once; inserting
	 * first would take shared locks on MariaDB and MySQL that two instances then both try
	 * to upgrade, a deadlock. A row that another instance inserted meanwhile is locked by
	 * the second select.
	 */
	private void lockKeys(List<String> keyHashes) {
		Set<String> locked = new HashSet<>();
		for (List<String> chunk : JdbcStoreSupport.chunks(keyHashes, JdbcStoreSupport.MAX_LIST_SIZE)) {
			locked.addAll(this.support.jdbc().sql(LOCK_KEYS).param("keyHashes", chunk).query(String.class).list());
		}
		List<String> missing = keyHashes.stream().filter((keyHash) -> !locked.contains(keyHash)).toList();
		if (missing.isEmpty()) {
			return;
		}
		insertKeys(missing);
		for (List<String> chunk : JdbcStoreSupport.chunks(missing, JdbcStoreSupport.MAX_LIST_SIZE)) {
			this.support.jdbc().sql(LOCK_KEYS).param("keyHashes", chunk).query(String.class).list();
		}
	}

	/**
	 * Runs a count grouped by key over keys, in chunks.
	 */
	private Map<String, Long> count(String sql, List<String> keyHashes) {
		Map<String, Long> counts = new HashMap<>();
		for (List<String> chunk : JdbcStoreSupport.chunks(keyHashes, JdbcStoreSupport.MAX_LIST_SIZE)) {
			this.support.jdbc().sql(this.support.render(sql)).param("keyHashes", chunk).query((rs) -> {
				counts.put(rs.getString(1), rs.getLong(2));
			});
		}
		return counts;
	}

	/**
	 * Inserts the rows of new keys, skipping those another instance inserted meanwhile
	 * (the second select locks them): in one batch where the database skips duplicates
	 * itself, one by one where it throws instead (H2).
	 */
	private void insertKeys(List<String> keyHashes) {
		if (this.support.dialect() != DatabaseDialect.H2) {
			this.support.template()
				.batchUpdate(this.insertKey,
						keyHashes.stream()
							.map((keyHash) -> new MapSqlParameterSource("keyHash", keyHash))
							.toArray(SqlParameterSource[]::new));
			return;
		}
		for (String keyHash : keyHashes) {
			try {
				this.support.template().update(this.insertKey, new MapSqlParameterSource("keyHash", keyHash));
			}
			catch (DuplicateKeyException ex) {
				// Inserted by another instance meanwhile
			}
		}
	}

}
