package dev.backgroundjobs.jdbc;

import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

import dev.backgroundjobs.store.NewRun;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.transaction.TransactionStatus;
import org.springframework.util.Assert;

/**
 * Records new runs for {@link JdbcRunStore}: runs of events, inserted leased and started,
 * and child runs with their link to the invoking run. Kept apart because inserting many
 * runs at once, exactly once each across concurrent instances, takes dialect-specific
 * statements of its own.
 */
final class JdbcRunInserts {

	/**
	 * The insert of runs, without or with the column of their concurrency key
	 * ({@code %s}): runs of functions without a limit are inserted by the statement they
	 * always were, which also works on a schema from before the column.
	 */
	private static final String INSERT_RUN_COLUMNS = """
			INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status, attempt,
					version, handler_failures, lease_owner, lease_until, created_at, started_at, trace_context%s)
			VALUES\s""";

	private static final String INSERT_RUN_VALUES = """
			(:runId%1$s, :functionId%1$s, :eventId%1$s, :eventName%1$s, :eventData%1$s, :eventTime%1$s, 'RUNNING', 1, 1, 0,
					:owner, ${now + leaseMillis}, ${now}, ${now}, :traceContext%1$s%2$s)""";

	private static final String KEY_COLUMN = ", concurrency_key";

	private static final String KEY_VALUE = ", :concurrencyKey%s";

	private static final String INSERT_RUN = INSERT_RUN_COLUMNS.formatted("") + INSERT_RUN_VALUES.formatted("", "");

	private static final String INSERT_KEYED_RUN = INSERT_RUN_COLUMNS.formatted(KEY_COLUMN)
			+ INSERT_RUN_VALUES.formatted("", KEY_VALUE.formatted(""));

	/**
	 * The parameters of {@link #INSERT_RUN_VALUES} that differ from row to row.
	 */
	private static final List<String> INSERT_RUN_ROW_PARAMETERS = List.of("runId", "functionId", "eventId", "eventName",
			"eventData", "eventTime", "traceContext", "concurrencyKey");

	private static final String INSERT_CHILD_RUN = """
			INSERT INTO bj_runs (run_id, function_id, event_id, event_name, event_data, event_time, status, attempt,
					version, handler_failures, lease_owner, lease_until, created_at)
			VALUES (:runId, :functionId, :eventId, :eventName, :eventData, :eventTime, 'QUEUED', 0, 1, 0, NULL,
					${now}, ${now})
			""";

	private static final String INSERT_INVOCATION = """
			INSERT INTO bj_invocations (child_run_id, parent_run_id, parent_step_id, created_at)
			VALUES (:runId, :parentRunId, :parentStepId, ${now})
			""";

	private static final String INSERT_CANCEL_KEY = """
			INSERT INTO bj_cancel_keys (run_id, cancel_key, event_time) VALUES (:runId, :cancelKey, :eventTime)
			""";

	private static final String INSERT_GATE = """
			INSERT INTO bj_intake_gates (gate_key, hits, window_end) VALUES (:gateKey, 1, ${now + periodMillis})
			""";

	/**
	 * Counts a run in a gate's window, or opens the next window when the current one is
	 * over; updates nothing when the window is full. The row lock it takes serializes the
	 * instances counting the same key until the run commits or rolls back. MySQL assigns
	 * left to right, so {@code window_end} is read before it is set.
	 */
	private static final String PASS_GATE = """
			UPDATE bj_intake_gates
			SET hits = CASE WHEN window_end <= ${now} THEN 1 ELSE hits + 1 END,
				window_end = CASE WHEN window_end <= ${now} THEN ${now + periodMillis} ELSE window_end END
			WHERE gate_key = :gateKey AND (window_end <= ${now} OR hits < :limit)
			""";

	/**
	 * The reason of the runs skipped because their singleton key has an unfinished run.
	 */
	static final String SINGLETON = "singleton";

	private static final String DELETE_RUNS = """
			DELETE FROM bj_runs WHERE run_id IN (:runIds)
			""";

	private final JdbcStoreSupport support;

	private final JdbcThrottles throttles;

	private final JdbcDebounces debounces;

	private final JdbcSingletonKeys singletonKeys;

	private final String insertRun;

	private final String insertKeyedRun;

	private final String insertGate;

	private final String passGate;

	private final String insertChildRun;

	private final String insertInvocation;

	private final JdbcConcurrencySlots slots;

	/**
	 * Creates the inserts of runs without singleton keys.
	 * @param support the store's database access
	 * @param slots admits runs to their concurrency slots
	 */
	JdbcRunInserts(JdbcStoreSupport support, JdbcConcurrencySlots slots) {
		this(support, slots, (runId, reason) -> {
			throw new IllegalStateException("Run " + runId + " cannot be superseded here: no run store cancels it");
		});
	}

	/**
	 * Creates the inserts.
	 * @param support the store's database access
	 * @param slots admits runs to their concurrency slots
	 * @param cancel cancels a run in the caller's transaction, given its id and the
	 * reason, and says whether it did: how a new run of a singleton key in {@code CANCEL}
	 * mode cancels the key's unfinished run
	 */
	JdbcRunInserts(JdbcStoreSupport support, JdbcConcurrencySlots slots, BiPredicate<String, String> cancel) {
		DatabaseDialect dialect = support.dialect();
		this.support = support;
		this.throttles = new JdbcThrottles(support);
		this.slots = slots;
		this.debounces = new JdbcDebounces(support);
		this.singletonKeys = new JdbcSingletonKeys(support, cancel);
		this.insertRun = dialect.insertIgnoringDuplicates(dialect.render(INSERT_RUN));
		this.insertKeyedRun = dialect.insertIgnoringDuplicates(dialect.render(INSERT_KEYED_RUN));
		this.insertChildRun = dialect.insertIgnoringDuplicates(dialect.render(INSERT_CHILD_RUN));
		this.insertInvocation = dialect.insertIgnoringDuplicates(dialect.render(INSERT_INVOCATION));
		this.insertGate = dialect.insertIgnoringDuplicates(dialect.render(INSERT_GATE));
		this.passGate = dialect.render(PASS_GATE);
	}

	/**
	 * See {@link RunStore#insertLeased}.
	 */
	List<String> insertLeased(List<NewRun> runs, String owner, Duration lease) {
		Assert.notNull(runs, "'runs' must not be null");
		Assert.hasText(owner, "'owner' must not be empty");
		Assert.notNull(lease, "'lease' must not be null");
		if (runs.isEmpty()) {
			return List.of();
		}
		if (runs.stream()
			.anyMatch((run) -> !run.gates().isEmpty() || run.throttle() != null || run.slot() != null
					|| run.debounce() != null || run.singletonKey() != null)) {
			return insertLeasedGated(runs, owner, lease, Duration.ZERO).inserted();
		}
		runs.forEach(JdbcRunInserts::validate);
		// A consistent insert order across instances stops two batches that share events
		// from deadlocking on each other's unique-key locks.
		List<NewRun> ordered = runs.stream()
			.sorted(Comparator.comparing(NewRun::functionId).thenComparing(NewRun::eventId))
			.toList();
		boolean cancellable = runs.stream().anyMatch((run) -> !run.cancelKeys().isEmpty());
		if (this.support.dialect().supportsInsertReturning()) {
			if (!cancellable) {
				return insertReturningInserted(runs, ordered, owner, lease);
			}
			// The keys by which events cancel a run commit with it: see
			// JdbcCancellationStore.
			List<String> inserted = this.support.transactions().execute((status) -> {
				List<String> ids = insertReturningInserted(runs, ordered, owner, lease);
				insertCancelKeys(runs, new HashSet<>(ids));
				return ids;
			});
			return (inserted != null) ? inserted : List.of();
		}
		// Each row's own update count says whether this transaction inserted it: a
		// concurrent transaction inserting the same run (another consumer thread of this
		// instance, with the same owner) makes the insert wait for its outcome and then
		// skip the row, so exactly one of them counts it. Reading the rows back cannot
		// tell the two apart.
		List<String> inserted = this.support.transactions().execute((status) -> {
			List<String> mine = insertEach(ordered, owner, lease);
			if (cancellable) {
				insertCancelKeys(runs, new HashSet<>(mine));
			}
			return mine;
		});
		Set<String> mine = (inserted != null) ? new HashSet<>(inserted) : new HashSet<>();
		return runs.stream().map(NewRun::runId).filter(mine::remove).toList();
	}

	private List<String> insertEach(List<NewRun> ordered, String owner, Duration lease) {
		List<String> mine = new ArrayList<>();
		for (NewRun run : ordered) {
			String insert = (run.slot() != null) ? this.insertKeyedRun : this.insertRun;
			if (insertIgnoringDuplicate(insert, insertParameters(run, owner, lease))) {
				mine.add(run.runId());
			}
		}
		return mine;
	}

	/**
	 * See {@link RunStore#insertLeasedGated}. In one transaction: inserts the runs, then
	 * counts each new one in its gates and claims its singleton key, deletes those a gate
	 * or their key kept out, and inserts the cancel keys of the others. A run that was
	 * recorded already (a redelivered event) is not counted again. Runs are counted
	 * ordered by their singleton key, or else their first gate's key, and then by their
	 * order in the poll, so two instances lock the keys of single-gate runs in the same
	 * order, and runs of one key are taken in the order of their events (the earliest
	 * passes a gate; the last holds a singleton key in {@code CANCEL} mode); a deadlock
	 * between runs with two keys is a transient failure, and the poll is retried. Last,
	 * the throttles assign start times to the throttled runs that passed: their keys are
	 * locked after every gate key, in digest order, for the same reason. Then the runs
	 * with a concurrency slot to take are admitted, the ones that get none turned
	 * {@code DELAYED} (a function has no throttle and limit together). Then the debounces
	 * hold back the latest debounced run of each key (see {@link JdbcDebounces}).
	 */
	RunStore.GatedInsert insertLeasedGated(List<NewRun> runs, String owner, Duration lease, Duration holdAhead) {
		Assert.notNull(runs, "'runs' must not be null");
		Assert.hasText(owner, "'owner' must not be empty");
		Assert.notNull(lease, "'lease' must not be null");
		if (runs.isEmpty()) {
			return new RunStore.GatedInsert(List.of(), Map.of());
		}
		runs.forEach(JdbcRunInserts::validate);
		List<NewRun> ordered = runs.stream()
			.sorted(Comparator.comparing(NewRun::functionId).thenComparing(NewRun::eventId))
			.toList();
		RunStore.GatedInsert result = this.support.transactions().execute((status) -> {
			Set<String> inserted = new HashSet<>(this.support.dialect().supportsInsertReturning()
					? insertReturningInserted(runs, ordered, owner, lease) : insertEach(ordered, owner, lease));
			Map<String, String> skipped = new LinkedHashMap<>();
			Map<String, String> superseded = new LinkedHashMap<>();
			List<NewRun> counted = new ArrayList<>();
			for (NewRun run : runs) {
				if (inserted.contains(run.runId())) {
					counted.add(run);
				}
			}
			counted.sort(Comparator.comparing(JdbcRunInserts::lockOrder));
			for (NewRun run : counted) {
				String closed = pass(run, status, superseded);
				if (closed != null) {
					skipped.put(run.runId(), closed);
				}
			}
			// Runs of this poll that a later run of their key cancelled do not start.
			inserted.removeAll(superseded.keySet());
			if (!skipped.isEmpty()) {
				for (List<String> chunk : JdbcStoreSupport.chunks(new ArrayList<>(skipped.keySet()),
						JdbcStoreSupport.MAX_LIST_SIZE)) {
					this.support.jdbc().sql(DELETE_RUNS).param("runIds", chunk).update();
				}
				inserted.removeAll(skipped.keySet());
			}
			insertCancelKeys(runs, inserted);
			Map<String, Duration> held = new LinkedHashMap<>();
			List<String> delayed = new ArrayList<>();
			List<NewRun> recorded = runs.stream().filter((run) -> inserted.contains(run.runId())).toList();
			this.throttles.throttle(recorded.stream().filter((run) -> run.slot() == null).toList(), holdAhead, held,
					delayed);
			// A run that must get a concurrency slot too is never held for a later start:
			// one the throttle starts later waits DELAYED, queued for a slot from then.
			// It holds its key from its insert, so it joins the key's queue when due.
			this.throttles.throttle(recorded.stream().filter((run) -> run.slot() != null).toList(), Duration.ZERO, held,
					delayed);
			List<NewRun> debounced = runs.stream()
				.filter((run) -> run.debounce() != null && inserted.contains(run.runId()))
				.toList();
			if (!debounced.isEmpty()) {
				delayed.addAll(this.debounces.debounce(debounced));
			}
			inserted.removeAll(held.keySet());
			delayed.forEach(inserted::remove);
			List<String> waiting = List.copyOf(this.slots
				.admitRecorded(
						runs.stream().filter((run) -> run.slot() != null && inserted.contains(run.runId())).toList())
				.keySet());
			waiting.forEach(inserted::remove);
			delayed.addAll(waiting);
			List<String> kept = runs.stream().map(NewRun::runId).filter(inserted::remove).toList();
			return new RunStore.GatedInsert(kept, skipped, held, delayed, superseded);
		});
		if (result == null) {
			return new RunStore.GatedInsert(List.of(), Map.of());
		}
		// Committed: the ends of this instance's runs may now start the waiting ones.
		if (!result.delayed().isEmpty()) {
			Set<String> delayed = new HashSet<>(result.delayed());
			runs.stream()
				.filter((run) -> run.slot() != null && delayed.contains(run.runId()))
				.map(NewRun::functionId)
				.distinct()
				.forEach(this.slots::runsWaiting);
		}
		return result;
	}

	private static String lockOrder(NewRun run) {
		if (run.singletonKey() != null) {
			return JdbcSingletonKeys.digest(run.functionId(), run.singletonKey());
		}
		return run.gates().isEmpty() ? "" : JdbcIntakeGates.digest(run.functionId(), run.gates().get(0));
	}

	/**
	 * Counts a run in each of its gates, then claims its singleton key.
	 * @param superseded receives the runs cancelled by the run's singleton key
	 * @return the kind of the gate that keeps the run out, {@code singleton} if its key
	 * does, or {@code null} if it passes
	 */
	private @Nullable String pass(NewRun run, TransactionStatus status, Map<String, String> superseded) {
		// A run with several gates that one of them keeps out must not be counted in
		// the others: those it passed roll back to the savepoint.
		int checks = run.gates().size() + ((run.singletonKey() != null) ? 1 : 0);
		Object savepoint = (checks > 1) ? status.createSavepoint() : null;
		for (NewRun.Gate gate : run.gates()) {
			MapSqlParameterSource parameters = new MapSqlParameterSource("gateKey",
					JdbcIntakeGates.digest(run.functionId(), gate))
				.addValue("periodMillis", gate.period().toMillis())
				.addValue("limit", gate.limit());
			if (!passGate(parameters)) {
				if (savepoint != null) {
					status.rollbackToSavepoint(savepoint);
				}
				return gate.kind();
			}
		}
		NewRun.SingletonKey singletonKey = run.singletonKey();
		if (singletonKey != null) {
			JdbcSingletonKeys.Claim claim = this.singletonKeys.claim(run, singletonKey);
			if (claim.skipped()) {
				if (savepoint != null) {
					status.rollbackToSavepoint(savepoint);
				}
				return SINGLETON;
			}
			if (claim.cancelledRunId() != null && claim.reason() != null) {
				superseded.put(claim.cancelledRunId(), claim.reason());
			}
		}
		if (savepoint != null) {
			status.releaseSavepoint(savepoint);
		}
		return null;
	}

	/**
	 * Counts a run in one gate. Updating first takes the row's lock at once when it
	 * exists, as it mostly does; inserting first would take a shared lock on MariaDB and
	 * MySQL that two instances then both try to upgrade, a deadlock. A row that another
	 * instance inserted after the update looked is counted by the second update.
	 */
	private boolean passGate(MapSqlParameterSource parameters) {
		return this.support.template().update(this.passGate, parameters) == 1
				|| insertIgnoringDuplicate(this.insertGate, parameters)
				|| this.support.template().update(this.passGate, parameters) == 1;
	}

	/**
	 * Inserts the runs with one multi-row statement that returns the ids it inserted: one
	 * round trip and no explicit transaction, for the latency between an event's arrival
	 * and its handler's start.
	 */
	private List<String> insertReturningInserted(List<NewRun> runs, List<NewRun> ordered, String owner,
			Duration lease) {
		Set<String> inserted = new HashSet<>();
		for (List<NewRun> chunk : JdbcStoreSupport.chunks(ordered, JdbcStoreSupport.MAX_LIST_SIZE)) {
			boolean keyed = chunk.stream().anyMatch((run) -> run.slot() != null);
			StringBuilder sql = new StringBuilder(INSERT_RUN_COLUMNS.formatted(keyed ? KEY_COLUMN : ""));
			MapSqlParameterSource parameters = new MapSqlParameterSource("owner", owner).addValue("leaseMillis",
					lease.toMillis());
			for (int i = 0; i < chunk.size(); i++) {
				sql.append((i > 0) ? ", " : "")
					.append(INSERT_RUN_VALUES.formatted(i, keyed ? KEY_VALUE.formatted(i) : ""));
				MapSqlParameterSource row = insertParameters(chunk.get(i), owner, lease);
				for (String name : INSERT_RUN_ROW_PARAMETERS) {
					parameters.addValue(name + i, row.getValue(name), row.getSqlType(name));
				}
			}
			sql.append(" ON CONFLICT DO NOTHING RETURNING run_id");
			inserted.addAll(this.support.jdbc()
				.sql(this.support.render(sql.toString()))
				.paramSource(parameters)
				.query(String.class)
				.list());
		}
		return runs.stream().map(NewRun::runId).filter(inserted::remove).toList();
	}

	private void insertCancelKeys(List<NewRun> runs, Set<String> inserted) {
		List<SqlParameterSource> rows = new ArrayList<>();
		for (NewRun run : runs) {
			if (inserted.contains(run.runId())) {
				for (NewRun.CancelKey key : run.cancelKeys()) {
					rows.add(new MapSqlParameterSource("runId", run.runId())
						.addValue("cancelKey", JdbcCancellationStore.digest(run.functionId(), key))
						.addValue("eventTime", this.support.bind(run.eventTime())));
				}
			}
		}
		if (!rows.isEmpty()) {
			this.support.template().batchUpdate(INSERT_CANCEL_KEY, rows.toArray(SqlParameterSource[]::new));
		}
	}

	private MapSqlParameterSource insertParameters(NewRun run, String owner, Duration lease) {
		return new MapSqlParameterSource().addValue("runId", run.runId())
			.addValue("functionId", JdbcStoreSupport.storable(run.functionId()))
			.addValue("eventId", JdbcStoreSupport.storable(run.eventId()))
			.addValue("eventName", JdbcStoreSupport.storable(run.eventName()))
			.addValue("eventData", run.eventData(), Types.VARCHAR)
			.addValue("eventTime", this.support.bind(run.eventTime()))
			.addValue("owner", owner)
			.addValue("leaseMillis", lease.toMillis())
			.addValue("traceContext", run.traceContext(), Types.VARCHAR)
			.addValue("concurrencyKey", concurrencyKey(run), Types.VARCHAR);
	}

	/**
	 * The hash of the key whose slots a run takes, written with the run: an admitted run
	 * holds its slot from its insert, and one that must wait is turned {@code DELAYED} in
	 * the same transaction (see {@link JdbcConcurrencySlots#admitRecorded}).
	 */
	private static @Nullable String concurrencyKey(NewRun run) {
		NewRun.Slot slot = run.slot();
		return (slot != null) ? JdbcConcurrencySlots.digest(run.functionId(), slot.key()) : null;
	}

	private static void validate(NewRun run) {
		Assert.notNull(run, "'runs' must not contain null");
		checkLength(run, "run id", run.runId());
		checkLength(run, "function id", run.functionId());
		checkLength(run, "event id", run.eventId());
		checkLength(run, "event name", run.eventName());
	}

	private static void checkLength(NewRun run, String what, String value) {
		if (value.length() > JdbcRunStore.MAX_ID_LENGTH) {
			throw new IllegalArgumentException("The " + what + " of run '" + run.runId() + "' of function '"
					+ run.functionId() + "' is longer than " + JdbcRunStore.MAX_ID_LENGTH + " characters");
		}
	}

	/**
	 * See {@link RunStore#insertChild}.
	 */
	boolean insertChild(NewRun run, String parentRunId, String parentStepId) {
		validate(run);
		Boolean inserted = this.support.transactions().execute((status) -> {
			boolean fresh = insertIgnoringDuplicate(this.insertChildRun, insertParameters(run, "", Duration.ZERO));
			insertIgnoringDuplicate(this.insertInvocation,
					new MapSqlParameterSource("runId", run.runId()).addValue("parentRunId", parentRunId)
						.addValue("parentStepId", parentStepId));
			return fresh;
		});
		return Boolean.TRUE.equals(inserted);
	}

	/**
	 * Records a run {@link dev.backgroundjobs.RunStatus#QUEUED} and unleased, in the
	 * caller's transaction, unless its {@code (functionId, eventId)} is already recorded.
	 * @param run the run
	 * @return whether it was inserted
	 */
	boolean insertQueued(NewRun run) {
		validate(run);
		return insertIgnoringDuplicate(this.insertChildRun, insertParameters(run, "", Duration.ZERO));
	}

	private boolean insertIgnoringDuplicate(String sql, SqlParameterSource parameters) {
		try {
			return this.support.template().update(sql, parameters) == 1;
		}
		catch (DuplicateKeyException ex) {
			// Recorded already: skip, as insert-ignore does on the other databases
			return false;
		}
	}

}
