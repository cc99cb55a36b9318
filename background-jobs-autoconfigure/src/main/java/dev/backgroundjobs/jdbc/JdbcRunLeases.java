package dev.backgroundjobs.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.backgroundjobs.store.RunRecord;
import dev.backgroundjobs.store.RunStore;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The leases of {@link JdbcRunStore}: claiming due runs, extending the leases of held
 * runs and releasing them. Kept apart because they share one locking discipline: each
 * locks the rows it changes first and skips rows another transaction holds, so claimers
 * never take the same run and heartbeats never wait on a checkpoint batch.
 */
final class JdbcRunLeases {

	private static final String SELECT_DUE_SLEEPING = """
			SELECT run_id FROM bj_runs
			WHERE status = 'SLEEPING' AND wake_at <= ${now} AND function_id IN (:functionIds)
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	private static final String SELECT_DUE_WAITING = """
			SELECT run_id FROM bj_runs
			WHERE status = 'WAITING' AND wake_at <= ${now} AND function_id IN (:functionIds)
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	// Runs the function's flow control held back, due to be started. A function whose
	// flow control must admit each start (a concurrency limit) claims its delayed runs
	// through its own admission instead, so it is not among :functionIds here.
	private static final String SELECT_DUE_DELAYED = """
			SELECT run_id FROM bj_runs
			WHERE status = 'DELAYED' AND wake_at <= ${now} AND function_id IN (:functionIds)
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	// Delayed runs of throttled functions that start soon: the claimer starts each at its
	// time, which the poller's interval would blur.
	private static final String SELECT_STARTING_DELAYED = """
			SELECT run_id, wake_at, ${now} AS now_time FROM bj_runs
			WHERE status = 'DELAYED' AND wake_at <= ${now + aheadMillis} AND function_id IN (:functionIds)
			ORDER BY wake_at
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""";

	// Keeps the reason until the run starts (see JdbcRunStore's START).
	private static final String CLAIM_STARTING = """
			UPDATE bj_runs
			SET status = 'QUEUED', version = version + 1, lease_owner = :owner, lease_until = ${now + leaseMillis},
					wake_at = NULL
			WHERE run_id IN (:runIds)
			""";

	private static final String SELECT_EXPIRED_LEASES = """
			SELECT run_id, lease_owner FROM bj_runs
			WHERE %s AND lease_until <= :expiredBefore AND function_id IN (:functionIds)
			ORDER BY lease_until
			LIMIT :limit
			FOR UPDATE SKIP LOCKED
			""".formatted(RunSql.HELD);

	// MySQL assigns left to right: the error is cleared while the status is still the
	// old.
	private static final String CLAIM = """
			UPDATE bj_runs
			SET error = CASE WHEN status = 'DELAYED' THEN NULL ELSE error END, status = 'QUEUED', version = version + 1,
					lease_owner = :owner, lease_until = ${now + leaseMillis}, wake_at = NULL
			WHERE run_id IN (:runIds)
			""";

	private static final String CLAIM_STARTED = """
			UPDATE bj_runs
			SET error = NULL, status = 'RUNNING', attempt = 1, version = version + 1, lease_owner = :owner,
					lease_until = ${now + leaseMillis}, wake_at = NULL, started_at = ${now}
			WHERE run_id IN (:runIds) AND attempt = 0
			""";

	private static final String SELECT_LEASED = """
			SELECT run_id FROM bj_runs
			WHERE lease_owner = :owner AND %s
			FOR UPDATE SKIP LOCKED
			""".formatted(RunSql.HELD);

	private static final String SELECT_HELD = """
			SELECT run_id FROM bj_runs
			WHERE run_id IN (:runIds) AND lease_owner = :owner AND %s
			FOR UPDATE SKIP LOCKED
			""".formatted(RunSql.HELD);

	private static final String EXTEND_LEASES = """
			UPDATE bj_runs SET lease_until = ${now + leaseMillis}
			WHERE run_id IN (:runIds) AND lease_owner = :owner
			""";

	private static final String RELEASE_LEASES = """
			UPDATE bj_runs SET lease_owner = NULL, lease_until = ${now}
			WHERE run_id IN (:runIds) AND lease_owner = :owner
			""";

	private final JdbcStoreSupport support;

	private final JdbcRunQueries queries;

	private final JdbcConcurrencySlots slots;

	JdbcRunLeases(JdbcStoreSupport support, JdbcRunQueries queries, JdbcConcurrencySlots slots) {
		this.support = support;
		this.queries = queries;
		this.slots = slots;
	}

	/**
	 * See {@link RunStore#claimDue}.
	 */
	List<RunRecord> claimDue(String owner, Duration lease, int limit, Collection<String> functionIds,
			@Nullable Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner) {
		Assert.hasText(owner, "'owner' must not be empty");
		if (limit <= 0 || functionIds.isEmpty()) {
			return List.of();
		}
		List<RunRecord> claimed = this.support.transactions().execute((status) -> {
			// Three queries rather than one OR, so that each is a range scan of its
			// index.
			Set<String> runIds = new LinkedHashSet<>(lockDue(SELECT_DUE_SLEEPING, limit, functionIds));
			if (runIds.size() < limit) {
				runIds.addAll(lockDue(SELECT_DUE_WAITING, limit - runIds.size(), functionIds));
			}
			if (runIds.size() < limit) {
				runIds.addAll(lockDue(SELECT_DUE_DELAYED, limit - runIds.size(), functionIds));
			}
			if (takeOverLeasesExpiredBefore != null && runIds.size() < limit) {
				runIds.addAll(this.support.jdbc()
					.sql(this.support.render(SELECT_EXPIRED_LEASES))
					.param("expiredBefore", this.support.bind(takeOverLeasesExpiredBefore))
					.param("limit", limit - runIds.size())
					.param("functionIds", functionIds)
					.query((rs,
							row) -> owner.equals(rs.getString("lease_owner"))
									&& heldByOwner.test(rs.getString("run_id")) ? "" : rs.getString("run_id"))
					.list()
					.stream()
					.filter((runId) -> !runId.isEmpty())
					.toList());
			}
			if (runIds.isEmpty()) {
				return List.<RunRecord>of();
			}
			this.support.jdbc()
				.sql(this.support.render(CLAIM))
				.param("owner", owner)
				.param("leaseMillis", lease.toMillis())
				.param("runIds", runIds)
				.update();
			return this.queries.findAll(runIds);
		});
		return (claimed != null) ? claimed : List.of();
	}

	/**
	 * See {@link RunStore#claimStarting}.
	 */
	List<RunStore.HeldRun> claimStarting(String owner, Duration lease, int limit, Collection<String> functionIds,
			Duration ahead) {
		Assert.hasText(owner, "'owner' must not be empty");
		if (limit <= 0 || functionIds.isEmpty()) {
			return List.of();
		}
		List<RunStore.HeldRun> claimed = this.support.transactions().execute((status) -> {
			Map<String, Duration> startsIn = new LinkedHashMap<>();
			this.support.jdbc()
				.sql(this.support.render(SELECT_STARTING_DELAYED))
				.param("aheadMillis", ahead.toMillis())
				.param("limit", limit)
				.param("functionIds", functionIds)
				.query((rs) -> {
					Duration wait = Duration.between(this.support.getRequiredInstant(rs, "now_time"),
							this.support.getRequiredInstant(rs, "wake_at"));
					startsIn.put(rs.getString("run_id"), wait.isNegative() ? Duration.ZERO : wait);
				});
			if (startsIn.isEmpty()) {
				return List.<RunStore.HeldRun>of();
			}
			this.support.jdbc()
				.sql(this.support.render(CLAIM_STARTING))
				.param("owner", owner)
				.param("leaseMillis", lease.toMillis())
				.param("runIds", startsIn.keySet())
				.update();
			return this.queries.findAll(startsIn.keySet())
				.stream()
				.map((run) -> new RunStore.HeldRun(run, startsIn.get(run.runId())))
				.sorted(Comparator.comparing(RunStore.HeldRun::startsIn))
				.toList();
		});
		return (claimed != null) ? claimed : List.of();
	}

	/**
	 * See {@link RunStore#claimAdmitted}. Expired leases first, in one transaction; then
	 * each function's admission, whose transactions claim what they admit.
	 */
	List<RunRecord> claimAdmitted(String owner, Duration lease, int limit, Collection<RunStore.Admission> admissions,
			@Nullable Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner) {
		Assert.hasText(owner, "'owner' must not be empty");
		if (limit <= 0 || admissions.isEmpty()) {
			return List.of();
		}
		Set<String> claimed = new LinkedHashSet<>();
		if (takeOverLeasesExpiredBefore != null) {
			List<String> functionIds = admissions.stream().map(RunStore.Admission::functionId).toList();
			this.support.transactions().executeWithoutResult((status) -> {
				List<String> expired = lockExpired(owner, limit, functionIds, takeOverLeasesExpiredBefore, heldByOwner);
				claim(owner, lease, expired);
				claimed.addAll(expired);
			});
		}
		return admit(owner, lease, limit, admissions, claimed, true);
	}

	/**
	 * See {@link RunStore#claimFreedSlots}: each function's admission of the runs already
	 * waiting.
	 */
	List<RunRecord> claimFreedSlots(String owner, Duration lease, int limit,
			Collection<RunStore.Admission> admissions) {
		Assert.hasText(owner, "'owner' must not be empty");
		if (limit <= 0 || admissions.isEmpty()) {
			return List.of();
		}
		return admit(owner, lease, limit, admissions, new LinkedHashSet<>(), false);
	}

	private List<RunRecord> admit(String owner, Duration lease, int limit, Collection<RunStore.Admission> admissions,
			Set<String> claimed, boolean dueWork) {
		for (RunStore.Admission admission : admissions) {
			if (claimed.size() >= limit) {
				break;
			}
			Consumer<List<String>> claim = (runIds) -> {
				claimStarted(owner, lease, runIds);
				claimed.addAll(runIds);
			};
			if (dueWork) {
				this.slots.admit(admission, limit - claimed.size(), claim);
			}
			else {
				this.slots.admitWaiting(admission, limit - claimed.size(), claim, false);
			}
		}
		return claimed.isEmpty() ? List.of() : this.queries.findAll(claimed);
	}

	private List<String> lockExpired(String owner, int limit, Collection<String> functionIds,
			Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner) {
		return this.support.jdbc()
			.sql(this.support.render(SELECT_EXPIRED_LEASES))
			.param("expiredBefore", this.support.bind(takeOverLeasesExpiredBefore))
			.param("limit", limit)
			.param("functionIds", functionIds)
			.query((rs, row) -> owner.equals(rs.getString("lease_owner")) && heldByOwner.test(rs.getString("run_id"))
					? "" : rs.getString("run_id"))
			.list()
			.stream()
			.filter((runId) -> !runId.isEmpty())
			.toList();
	}

	/**
	 * Claims admitted runs: those that never started (attempt 0: held back when they were
	 * recorded) are claimed started, {@code RUNNING} with attempt 1, as the intake
	 * records a run it starts at once, so the claimer executes them as fresh runs with no
	 * further statement; the others (woken runs resuming) are claimed {@code QUEUED}.
	 */
	private void claimStarted(String owner, Duration lease, Collection<String> runIds) {
		// Resuming runs first: the second statement makes the others' attempt 1.
		this.support.jdbc()
			.sql(this.support.render(CLAIM + " AND attempt > 0"))
			.param("owner", owner)
			.param("leaseMillis", lease.toMillis())
			.param("runIds", runIds)
			.update();
		this.support.jdbc()
			.sql(this.support.render(CLAIM_STARTED))
			.param("owner", owner)
			.param("leaseMillis", lease.toMillis())
			.param("runIds", runIds)
			.update();
	}

	private void claim(String owner, Duration lease, Collection<String> runIds) {
		if (runIds.isEmpty()) {
			return;
		}
		this.support.jdbc()
			.sql(this.support.render(CLAIM))
			.param("owner", owner)
			.param("leaseMillis", lease.toMillis())
			.param("runIds", runIds)
			.update();
	}

	private List<String> lockDue(String sql, int limit, Collection<String> functionIds) {
		return this.support.jdbc()
			.sql(this.support.render(sql))
			.param("limit", limit)
			.param("functionIds", functionIds)
			.query(String.class)
			.list();
	}

	/**
	 * See {@link RunStore#extendLeases}.
	 */
	int extendLeases(String owner, Collection<String> runIds, Duration lease) {
		Assert.hasText(owner, "'owner' must not be empty");
		Assert.notNull(runIds, "'runIds' must not be null");
		int count = 0;
		for (List<String> chunk : JdbcStoreSupport.chunks(List.copyOf(new LinkedHashSet<>(runIds)),
				JdbcStoreSupport.MAX_LIST_SIZE)) {
			count += updateLeased(owner, EXTEND_LEASES, lease,
					() -> this.support.jdbc()
						.sql(SELECT_HELD)
						.param("owner", owner)
						.param("runIds", chunk)
						.query(String.class)
						.list());
		}
		return count;
	}

	/**
	 * See {@link RunStore#releaseLeases}.
	 */
	int releaseLeases(String owner) {
		return updateLeased(owner, RELEASE_LEASES, Duration.ZERO,
				() -> this.support.jdbc().sql(SELECT_LEASED).param("owner", owner).query(String.class).list());
	}

	/**
	 * Updates the runs leased to an owner that a locking query selects, skipping rows
	 * another transaction holds (a checkpoint batch locks its runs in id order; an
	 * unordered update of the same rows could deadlock with it). A skipped run keeps its
	 * lease until the next heartbeat.
	 */
	private int updateLeased(String owner, String update, Duration lease, Supplier<List<String>> lockLeased) {
		Integer updated = this.support.transactions().execute((status) -> {
			List<String> runIds = lockLeased.get();
			int count = 0;
			for (List<String> chunk : JdbcStoreSupport.chunks(runIds, JdbcStoreSupport.MAX_LIST_SIZE)) {
				count += this.support.jdbc()
					.sql(this.support.render(update))
					.param("owner", owner)
					.param("leaseMillis", lease.toMillis())
					.param("runIds", chunk)
					.update();
			}
			return count;
		});
		return (updated != null) ? updated : 0;
	}

}
