package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.backgroundjobs.store.NewRun;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.util.Assert;

/**
 * Assigns start times to throttled runs in {@code bj_throttles}, inside the transaction
 * that records them, by the generic cell rate algorithm (GCRA): one row per function and
 * key holds {@code next_start}, the time at which the key has room for one more evenly
 * spaced start. Recording {@code n} runs of a key moves it to the later of itself and
 * now, plus {@code n} spacings, and the {@code i}-th run starts at the later of now and
 * the moved-from time plus {@code i} spacings less {@code burst} spacings.
 * <p>
 * One row per key rather than a row per start: a burst of any size costs one update per
 * key and poll, and the row's lock serializes the instances recording runs of the same
 * key, so two of them never hand out the same start. This class owns that table and the
 * run transitions a throttle makes (holding a run for its recording instance, delaying
 * it). Any two starts {@code i < j} of a key are at least {@code (j - i - burst)}
 * spacings apart whatever the clock reads when each transaction takes the lock, so no
 * period holds more than {@code limit + burst} starts.
 */
final class JdbcThrottles {

	/**
	 * The kind under which throttle keys are digested, apart from the gates' kinds.
	 */
	static final String KIND = "throttle";

	private static final String ADVANCE = """
			UPDATE bj_throttles SET next_start = %s WHERE throttle_key = :throttleKey
			""";

	private static final String INSERT = """
			INSERT INTO bj_throttles (throttle_key, next_start) VALUES (:throttleKey, %s)
			""";

	private static final String SELECT = """
			SELECT next_start, ${now} AS now_time FROM bj_throttles WHERE throttle_key = :throttleKey
			""";

	/**
	 * Holds back a run a throttle starts later, beyond the hold: no lease, no thread, its
	 * start time as wake time, for whichever instance's poller is there first.
	 */
	private static final String DELAY_RUN = """
			UPDATE bj_runs
			SET status = 'DELAYED', attempt = 0, lease_owner = NULL, lease_until = NULL, started_at = NULL,
					wake_at = :startAt, error = :reason
			WHERE run_id = :runId
			""";

	/**
	 * Keeps a run a throttle starts soon leased to the recording instance, which starts
	 * it at its time; its lease lapses to another instance if this one dies.
	 */
	private static final String HOLD_RUN = """
			UPDATE bj_runs SET status = 'QUEUED', attempt = 0, started_at = NULL, error = :reason
			WHERE run_id = :runId
			""";

	private final JdbcStoreSupport support;

	private final String advance;

	private final String insert;

	private final String select;

	JdbcThrottles(JdbcStoreSupport support) {
		DatabaseDialect dialect = support.dialect();
		this.support = support;
		this.advance = dialect.render(ADVANCE.formatted(dialect.plusMicros("GREATEST(next_start, ${now})", "advance")));
		this.insert = dialect
			.insertIgnoringDuplicates(dialect.render(INSERT.formatted(dialect.plusMicros("${now}", "advance"))));
		this.select = dialect.render(SELECT);
	}

	/**
	 * Assigns the throttled runs their start times: a run that starts now stays as
	 * inserted, started; one that starts within {@code holdAhead} is held, queued and
	 * leased to this instance; a later one is delayed.
	 */
	void throttle(List<NewRun> runs, Duration holdAhead, Map<String, Duration> held, List<String> delayed) {
		List<SqlParameterSource> holds = new ArrayList<>();
		List<SqlParameterSource> delays = new ArrayList<>();
		for (List<NewRun> sameKey : byKey(runs).values()) {
			NewRun.Throttle throttle = sameKey.get(0).throttle();
			Starts starts = reserve(sameKey.get(0).functionId(), throttle, sameKey.size());
			for (int i = 0; i < sameKey.size(); i++) {
				Instant start = starts.startTimes().get(i);
				Duration startsIn = Duration.between(starts.now(), start);
				if (startsIn.isZero()) {
					continue;
				}
				String runId = sameKey.get(i).runId();
				MapSqlParameterSource parameters = new MapSqlParameterSource("runId", runId).addValue("reason",
						"throttled: " + throttle.describe() + "; starts at " + start);
				if (startsIn.compareTo(holdAhead) <= 0) {
					held.put(runId, startsIn);
					holds.add(parameters);
				}
				else {
					delayed.add(runId);
					delays.add(parameters.addValue("startAt", this.support.bind(start)));
				}
			}
		}
		if (!holds.isEmpty()) {
			this.support.template().batchUpdate(HOLD_RUN, holds.toArray(SqlParameterSource[]::new));
		}
		if (!delays.isEmpty()) {
			this.support.template().batchUpdate(DELAY_RUN, delays.toArray(SqlParameterSource[]::new));
		}
	}

	/**
	 * Assigns start times to runs that share one throttle key, in the caller's
	 * transaction, earliest first in the order given.
	 * @param functionId the function id
	 * @param throttle the throttle and key shared by the runs
	 * @param count how many runs
	 * @return the start times and the database time they were assigned at
	 */
	private Starts reserve(String functionId, NewRun.Throttle throttle, int count) {
		Assert.isTrue(count > 0, "'count' must be positive");
		long interval = throttle.intervalMicros();
		MapSqlParameterSource parameters = new MapSqlParameterSource("throttleKey",
				JdbcIntakeGates.digest(functionId, KIND, throttle.key()))
			.addValue("advance", interval * count);
		// Updating first takes the row's lock at once when it exists, as it mostly does;
		// a row another instance inserted after the update looked is advanced by the
		// second update (see JdbcRunInserts#passGate for why not insert first).
		boolean advanced = this.support.template().update(this.advance, parameters) == 1
				|| insertIgnoringDuplicate(parameters) || this.support.template().update(this.advance, parameters) == 1;
		Assert.state(advanced, "The throttle row of function '" + functionId + "' was neither updated nor inserted");
		Instant[] read = this.support.template()
			.queryForObject(this.select, parameters,
					(rs, row) -> new Instant[] { this.support.getRequiredInstant(rs, "next_start"),
							this.support.getRequiredInstant(rs, "now_time") });
		Instant now = read[1];
		Instant first = read[0].minus(interval * count, ChronoUnit.MICROS)
			.minus(interval * throttle.burst(), ChronoUnit.MICROS);
		List<Instant> starts = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			Instant start = first.plus(interval * i, ChronoUnit.MICROS);
			starts.add(start.isAfter(now) ? start : now);
		}
		return new Starts(now, starts);
	}

	private boolean insertIgnoringDuplicate(MapSqlParameterSource parameters) {
		try {
			return this.support.template().update(this.insert, parameters) == 1;
		}
		catch (DuplicateKeyException ex) {
			// Inserted by another instance meanwhile: advanced by the second update
			return false;
		}
	}

	/**
	 * Groups throttled runs by their function and throttle key, ordered by the key's
	 * digest so that every instance locks the keys of a poll in the same order.
	 * @param runs the runs, in the order they start within a key
	 * @return the runs by the digest of their key
	 */
	private static Map<String, List<NewRun>> byKey(List<NewRun> runs) {
		Map<String, List<NewRun>> byKey = new TreeMap<>();
		for (NewRun run : runs) {
			NewRun.Throttle throttle = run.throttle();
			if (throttle != null) {
				byKey
					.computeIfAbsent(JdbcIntakeGates.digest(run.functionId(), KIND, throttle.key()),
							(key) -> new ArrayList<>())
					.add(run);
			}
		}
		return byKey;
	}

	/**
	 * The start times of runs of one key.
	 *
	 * @param now the database time they were assigned at
	 * @param startTimes a start time per run, none before {@code now}
	 */
	record Starts(Instant now, List<Instant> startTimes) {

	}

}
