package dev.backgroundjobs.jdbc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.backgroundjobs.store.NewRun;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.util.Assert;

/**
 * Debounces new runs inside the transaction that records them: {@code bj_debounces} holds
 * one row per function and key pointing at the run the key holds back, and this class
 * owns that table and the run transitions a debounce makes (holding a run back,
 * cancelling the one it replaces).
 * <p>
 * The row's lock serializes the instances recording runs of one key. The held-back run's
 * own status is the fence against its start: the run it replaces is cancelled with
 * {@code WHERE status = 'DELAYED'}, which waits for a poller that has locked it to claim
 * it and then matches nothing, so a run is either replaced or started, never both; when
 * it matched nothing, the burst is over and the new run begins the next one.
 */
final class JdbcDebounces {

	/**
	 * The kind under which debounce keys are digested, apart from the gates' and
	 * throttles' kinds.
	 */
	static final String KIND = "debounce";

	private static final String LOCK = """
			UPDATE bj_debounces SET hits = hits + 1 WHERE debounce_key = :debounceKey
			""";

	private static final String READ = """
			SELECT run_id, event_id, event_time, first_at, wake_at, ${now} AS now_time FROM bj_debounces
			WHERE debounce_key = :debounceKey
			""";

	private static final String NOW = "SELECT ${now} AS now_time";

	private static final String INSERT = """
			INSERT INTO bj_debounces (debounce_key, run_id, event_id, event_time, first_at, wake_at, hits)
			VALUES (:debounceKey, :runId, :eventId, :eventTime, :firstAt, :wakeAt, 1)
			""";

	private static final String MOVE = """
			UPDATE bj_debounces SET run_id = :runId, event_id = :eventId, event_time = :eventTime, first_at = :firstAt,
					wake_at = :wakeAt
			WHERE debounce_key = :debounceKey
			""";

	private static final String STATUS = "SELECT status FROM bj_runs WHERE run_id = :runId";

	// The run a newer event replaces, only while it has not started.
	private static final String REPLACE = """
			UPDATE bj_runs
			SET status = 'CANCELLED', version = version + 1, wake_at = NULL, finished_at = ${now}, error = :reason
			WHERE run_id = :runId AND status = 'DELAYED'
			""";

	// A run just inserted (leased, running) that a newer event already replaced.
	private static final String CANCEL_NEW = """
			UPDATE bj_runs
			SET status = 'CANCELLED', attempt = 0, version = version + 1, lease_owner = NULL, lease_until = NULL,
					started_at = NULL, wake_at = NULL, finished_at = ${now}, error = :reason
			WHERE run_id = :runId
			""";

	private static final String HOLD_NEW = """
			UPDATE bj_runs
			SET status = 'DELAYED', attempt = 0, lease_owner = NULL, lease_until = NULL, started_at = NULL,
					wake_at = :wakeAt, error = :reason
			WHERE run_id = :runId
			""";

	private final JdbcStoreSupport support;

	private final String insert;

	JdbcDebounces(JdbcStoreSupport support) {
		this.support = support;
		this.insert = support.dialect().insertIgnoringDuplicates(INSERT);
	}

	/**
	 * Debounces runs just inserted, in the caller's transaction: per key, the run of the
	 * latest event is held back and replaces the run the key held back, and the others
	 * are cancelled; keys are locked in digest order, so instances lock them in one
	 * order.
	 * @param runs the debounced runs inserted, in the order of the poll
	 * @return the ids of the runs, none of which starts now
	 */
	List<String> debounce(List<NewRun> runs) {
		Map<String, List<NewRun>> byKey = new TreeMap<>();
		for (NewRun run : runs) {
			NewRun.Debounce debounce = run.debounce();
			Assert.notNull(debounce, "'runs' must be debounced");
			byKey
				.computeIfAbsent(JdbcIntakeGates.digest(run.functionId(), KIND, debounce.key()),
						(key) -> new ArrayList<>())
				.add(run);
		}
		List<String> held = new ArrayList<>();
		byKey.forEach((key, sameKey) -> {
			// Stable: events with the same time keep the order of the poll.
			List<NewRun> ordered = sameKey.stream().sorted(Comparator.comparing(NewRun::eventTime)).toList();
			debounceKey(key, ordered);
			ordered.forEach((run) -> held.add(run.runId()));
		});
		return held;
	}

	private void debounceKey(String key, List<NewRun> ordered) {
		NewRun latest = ordered.get(ordered.size() - 1);
		NewRun.Debounce debounce = latest.debounce();
		Assert.state(debounce != null, "'runs' must be debounced");
		MapSqlParameterSource keyParameter = new MapSqlParameterSource("debounceKey", key);
		Held held = lock(keyParameter);
		if (held == null) {
			Instant now = this.support.jdbc()
				.sql(this.support.render(NOW))
				.query((rs, row) -> this.support.getRequiredInstant(rs, "now_time"))
				.single();
			Instant wakeAt = wakeAt(debounce, now, now);
			if (insertIgnoringDuplicate(rowParameters(key, latest, now, wakeAt))) {
				holdLatest(ordered, debounce, wakeAt);
				return;
			}
			// Another instance began the key's first burst meanwhile: its row is locked
			// now.
			held = lock(keyParameter);
			Assert.state(held != null, "The debounce row of function '" + latest.functionId() + "' vanished");
		}
		if (held.eventTime().isAfter(latest.eventTime()) && isDelayed(held.runId())) {
			// The run held back has a newer event than any of these: it stays.
			for (NewRun run : ordered) {
				cancelNew(run, held.eventId());
			}
			return;
		}
		// A held run that is due already is left to start: its burst is over (its quiet
		// period or its timeout passed), and replacing it while the poller has not yet
		// claimed it would let a steady stream starve the key.
		boolean due = !held.wakeAt().isAfter(held.now());
		boolean replaced = !due && this.support.jdbc()
			.sql(this.support.render(REPLACE))
			.param("runId", held.runId())
			.param("reason", superseded(latest.eventId()))
			.update() == 1;
		Instant firstAt = replaced ? held.firstAt() : held.now();
		Instant wakeAt = wakeAt(debounce, held.now(), firstAt);
		this.support.template().update(this.support.render(MOVE), rowParameters(key, latest, firstAt, wakeAt));
		holdLatest(ordered, debounce, wakeAt);
	}

	private @Nullable Held lock(MapSqlParameterSource keyParameter) {
		if (this.support.template().update(LOCK, keyParameter) == 0) {
			return null;
		}
		return this.support.template()
			.queryForObject(this.support.render(READ), keyParameter, (rs, row) -> new Held(rs.getString("run_id"),
					rs.getString("event_id"), this.support.getRequiredInstant(rs, "event_time"),
					this.support.getRequiredInstant(rs, "first_at"), this.support.getRequiredInstant(rs, "wake_at"),
					this.support.getRequiredInstant(rs, "now_time")));
	}

	private boolean isDelayed(String runId) {
		List<String> status = this.support.jdbc().sql(STATUS).param("runId", runId).query(String.class).list();
		return status.contains("DELAYED");
	}

	private void holdLatest(List<NewRun> ordered, NewRun.Debounce debounce, Instant wakeAt) {
		NewRun latest = ordered.get(ordered.size() - 1);
		for (NewRun run : ordered.subList(0, ordered.size() - 1)) {
			cancelNew(run, latest.eventId());
		}
		String reason = "debounced: waits for " + debounce.describe() + "; starts at " + wakeAt;
		this.support.jdbc()
			.sql(HOLD_NEW)
			.param("runId", latest.runId())
			.param("wakeAt", this.support.bind(wakeAt))
			.param("reason", reason)
			.update();
	}

	private void cancelNew(NewRun run, String supersededBy) {
		this.support.jdbc()
			.sql(this.support.render(CANCEL_NEW))
			.param("runId", run.runId())
			.param("reason", superseded(supersededBy))
			.update();
	}

	private static String superseded(String eventId) {
		return "debounced: superseded by event " + eventId;
	}

	private static Instant wakeAt(NewRun.Debounce debounce, Instant now, Instant firstAt) {
		Instant quiet = now.plus(debounce.period());
		if (debounce.timeout() == null) {
			return quiet;
		}
		Instant latest = firstAt.plus(debounce.timeout());
		return latest.isBefore(quiet) ? latest : quiet;
	}

	private MapSqlParameterSource rowParameters(String key, NewRun run, Instant firstAt, Instant wakeAt) {
		return new MapSqlParameterSource("debounceKey", key).addValue("runId", run.runId())
			.addValue("eventId", run.eventId())
			.addValue("eventTime", this.support.bind(run.eventTime()))
			.addValue("firstAt", this.support.bind(firstAt))
			.addValue("wakeAt", this.support.bind(wakeAt));
	}

	private boolean insertIgnoringDuplicate(MapSqlParameterSource parameters) {
		try {
			return this.support.template().update(this.insert, parameters) == 1;
		}
		catch (DuplicateKeyException ex) {
			// Inserted by another instance meanwhile: locked by the second attempt
			return false;
		}
	}

	/**
	 * The run a key holds back, read under the row's lock.
	 */
	private record Held(String runId, String eventId, Instant eventTime, Instant firstAt, Instant wakeAt, Instant now) {

	}

}
