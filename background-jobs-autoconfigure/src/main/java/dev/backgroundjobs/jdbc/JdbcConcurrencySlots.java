package dev.backgroundjobs.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * and starts runs, in one transaction: instances admitting the same key take turns, so
 * they never start more runs than the limit between them. Runs waiting for a slot are
 * {@code DELAYED}, queued by {@code wake_at}: the time they started waiting, moved
 * {@link #QUEUE_SHIFT_MILLIS} back for every waiting run (so that a run moved back by its
 * priority is still due at once) and then by the run's own priority.
 */
final class JdbcConcurrencySlots {

	/**
	 * How far back of the time they start waiting every run waiting for a slot is queued:
	 * as far as a priority can move a run back, so the run is due at once whatever its
	 * priority, and the waiting runs of a key keep their order.
	 */
	static final long QUEUE_SHIFT_MILLIS = Priority.MAX_SECONDS * 1000L;

	private static final String LOCK_KEY = """
			UPDATE bj_concurrency_keys SET locked_at = ${now} WHERE key_hash = :keyHash
			""";

	private static final String INSERT_KEY = """
			INSERT INTO bj_concurrency_keys (key_hash, locked_at) VALUES (:keyHash, ${now})
			""";

	// Waiting runs are those due: a run a throttle starts later is not in the queue yet.
	private static final String COUNT_KEY_RUNS = """
			SELECT status, COUNT(*) FROM bj_runs
			WHERE concurrency_key = :keyHash
					AND (status IN ('QUEUED', 'RUNNING') OR (status = 'DELAYED' AND wake_at <= ${now}))
			GROUP BY status
			""";

	private static final String TAKE_SLOTS = """
			UPDATE bj_runs SET concurrency_key = :keyHash WHERE run_id IN (:runIds)
			""";

	// attempt 0 and no start time: the run has not started, and its claim starts it.
	private static final String DELAY = """
			UPDATE bj_runs
			SET concurrency_key = :keyHash, status = 'DELAYED', attempt = 0, lease_owner = NULL, lease_until = NULL,
					started_at = NULL, wake_at = ${now + queueMillis}, error = :reason
			WHERE run_id = :runId
			""";

	private static final String QUEUE = """
			UPDATE bj_runs SET concurrency_key = :keyHash WHERE run_id = :runId
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
			SELECT waiting.concurrency_key FROM (
				SELECT concurrency_key, MIN(wake_at) AS first_due FROM bj_runs
				WHERE status = 'DELAYED' AND wake_at <= ${now} AND function_id = :functionId
						AND concurrency_key IS NOT NULL
				GROUP BY concurrency_key
			) waiting
			WHERE (SELECT COUNT(*) FROM bj_runs held
					WHERE held.concurrency_key = waiting.concurrency_key AND held.status IN ('QUEUED', 'RUNNING'))
					< :limit
			ORDER BY waiting.first_due
			LIMIT :keys
			""";

	private static final String COUNT_HELD = """
			SELECT COUNT(*) FROM bj_runs WHERE concurrency_key = :keyHash AND status IN ('QUEUED', 'RUNNING')
			""";

	private static final String SELECT_QUEUED_FOR_KEY = """
			SELECT run_id FROM bj_runs
			WHERE concurrency_key = :keyHash AND status = 'DELAYED' AND wake_at <= ${now}
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	private final JdbcStoreSupport support;

	private final String lockKey;

	private final String insertKey;

	JdbcConcurrencySlots(JdbcStoreSupport support) {
		this.support = support;
		this.lockKey = support.render(LOCK_KEY);
		this.insertKey = support.dialect().insertIgnoringDuplicates(support.render(INSERT_KEY));
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
		String text = functionId + '\u0000' + "concurrency" + '\u0000' + key;
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

	/**
	 * Admits runs just recorded leased and running, in the caller's transaction: per key,
	 * the first runs (by priority, then in the order given) take the slots that neither a
	 * held run nor an earlier waiting run claims; the others become {@code DELAYED}. Keys
	 * are locked in hash order, so instances admitting several keys at once do not
	 * deadlock on each other.
	 * @param runs the runs, each with a slot, in the order of the poll
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
		Map<String, String> delayed = new LinkedHashMap<>();
		byKey.forEach((keyHash, keyRuns) -> {
			lockKey(keyHash);
			Map<String, Long> counts = new TreeMap<>();
			this.support.jdbc().sql(this.support.render(COUNT_KEY_RUNS)).param("keyHash", keyHash).query((rs) -> {
				counts.put(rs.getString(1), rs.getLong(2));
			});
			long taken = counts.getOrDefault("QUEUED", 0L) + counts.getOrDefault("RUNNING", 0L)
					+ counts.getOrDefault("DELAYED", 0L);
			int limit = keyRuns.get(0).slot().limit();
			long free = Math.max(0, limit - taken);
			List<NewRun> queue = new ArrayList<>(keyRuns);
			queue.sort(Comparator.comparingInt((NewRun run) -> -run.slot().priority()));
			List<String> admitted = new ArrayList<>();
			List<SqlParameterSource> waiting = new ArrayList<>();
			for (NewRun run : queue) {
				if (admitted.size() < free) {
					admitted.add(run.runId());
				}
				else {
					NewRun.Slot slot = run.slot();
					waiting.add(new MapSqlParameterSource("runId", run.runId()).addValue("keyHash", keyHash)
						.addValue("reason", slot.reason())
						.addValue("queueMillis", -QUEUE_SHIFT_MILLIS - slot.priority() * 1000L));
					delayed.put(run.runId(), slot.reason());
				}
			}
			if (!admitted.isEmpty()) {
				this.support.jdbc().sql(TAKE_SLOTS).param("keyHash", keyHash).param("runIds", admitted).update();
			}
			if (!waiting.isEmpty()) {
				this.support.template()
					.batchUpdate(this.support.render(DELAY), waiting.toArray(SqlParameterSource[]::new));
			}
		});
		return delayed;
	}

	/**
	 * Queues runs recorded {@code DELAYED} until a later start (by a throttle) for a slot
	 * of their key from then, in the caller's transaction: they take no slot now.
	 * @param runs the runs, each with a slot
	 */
	void queue(List<NewRun> runs) {
		List<SqlParameterSource> keys = new ArrayList<>();
		for (NewRun run : runs) {
			NewRun.Slot slot = run.slot();
			if (slot != null) {
				keys.add(new MapSqlParameterSource("runId", run.runId()).addValue("keyHash",
						digest(run.functionId(), slot.key())));
			}
		}
		if (!keys.isEmpty()) {
			this.support.template().batchUpdate(QUEUE, keys.toArray(SqlParameterSource[]::new));
		}
	}

	/**
	 * Selects, locking them, the runs of one limited function to start now, up to
	 * {@code limit}: first its sleeping and waiting runs whose time came are queued for a
	 * slot; then its due runs without a key start at once; then, key by key, each in a
	 * transaction of its own that locks the key, the first waiting runs take its free
	 * slots. The caller claims the returned runs in the same transaction as their
	 * selection, so each key's transaction is given a callback that does that.
	 * @param admission the function and its limit
	 * @param limit the most runs to start
	 * @param claim claims runs selected in the current transaction
	 * @return how many runs were claimed
	 */
	int admit(RunStore.Admission admission, int limit, java.util.function.Consumer<List<String>> claim) {
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
		List<String> keys = this.support.jdbc()
			.sql(this.support.render(SELECT_ADMITTABLE_KEYS))
			.param("functionId", functionId)
			.param("limit", admission.limit())
			.param("keys", limit - claimed)
			.query(String.class)
			.list();
		for (String keyHash : keys) {
			int room = limit - claimed;
			if (room <= 0) {
				break;
			}
			Integer started = this.support.transactions().execute((status) -> {
				lockKey(keyHash);
				long held = this.support.jdbc().sql(COUNT_HELD).param("keyHash", keyHash).query(Long.class).single();
				long free = Math.min(room, admission.limit() - held);
				if (free <= 0) {
					return 0;
				}
				List<String> runIds = this.support.jdbc()
					.sql(this.support.render(SELECT_QUEUED_FOR_KEY))
					.param("keyHash", keyHash)
					.param("limit", free)
					.query(String.class)
					.list();
				if (!runIds.isEmpty()) {
					claim.accept(runIds);
				}
				return runIds.size();
			});
			claimed += (started != null) ? started : 0;
		}
		return claimed;
	}

	/**
	 * Locks a key's row, inserting it first if this is the key's first run. Updating
	 * first takes the row's lock at once when it exists, as it mostly does; inserting
	 * first would take a shared lock on MariaDB and MySQL that two instances then both
	 * try to upgrade, a deadlock. A row another instance inserted after the update looked
	 * is locked by the second update.
	 */
	private void lockKey(String keyHash) {
		MapSqlParameterSource parameters = new MapSqlParameterSource("keyHash", keyHash);
		if (this.support.template().update(this.lockKey, parameters) == 1 || insertKey(parameters)) {
			return;
		}
		this.support.template().update(this.lockKey, parameters);
	}

	private boolean insertKey(MapSqlParameterSource parameters) {
		try {
			return this.support.template().update(this.insertKey, parameters) == 1;
		}
		catch (DuplicateKeyException ex) {
			// Inserted by another instance meanwhile: the second update locks it
			return false;
		}
	}

}
