package dev.backgroundjobs.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.backgroundjobs.RunStatus;
import org.jspecify.annotations.Nullable;

/**
 * Stores runs, their leases and their state transitions.
 * <p>
 * Leases and wake times are computed in database time, so instances with skewed clocks
 * agree on when a lease has expired. Methods that take a {@code version} are fenced: they
 * change the run only while its version still equals the given one, and return
 * {@code false} otherwise, so a worker that lost its lease cannot overwrite a newer
 * attempt. A run is completed through {@link CheckpointStore#write}, with a
 * {@link Checkpoint.RunCompleted}.
 */
public interface RunStore {

	/**
	 * Records new runs in one transaction, leased to {@code owner} and already started:
	 * {@link RunStatus#RUNNING} with attempt 1, version 1 and a start time of now. The
	 * caller hands them straight to its workers, so no separate start is written. A run
	 * whose {@code (functionId, eventId)} is already recorded is skipped.
	 * @param runs the runs to record
	 * @param owner the instance that takes the lease
	 * @param lease how long the lease lasts
	 * @return the ids of the runs actually inserted
	 */
	List<String> insertLeased(List<NewRun> runs, String owner, Duration lease);

	/**
	 * Records new runs as {@link #insertLeased} does, each only if it passes its
	 * {@link NewRun#gates() gates}: the count of each gate is kept in the transaction
	 * that records the run, so concurrent instances never let more runs through than the
	 * limit, and a run recorded already (a redelivered event) counts no second time. A
	 * run with a {@link NewRun#singletonKey() singleton key} that passes its gates then
	 * claims the key in the same transaction: if the key's run is unfinished, the new run
	 * is skipped ({@code SKIP}, with the reason {@code singleton}) or that run is
	 * cancelled as {@link #cancel} cancels it ({@code CANCEL}); runs of one key in one
	 * call are taken in the order given. A run with a {@link NewRun#slot() slot} starts
	 * only if a slot of its key is free: the others are recorded
	 * {@link RunStatus#DELAYED}, unleased, for {@link #claimAdmitted} to start as slots
	 * free up.
	 * @param runs the runs to record
	 * @param owner the instance that takes the lease
	 * @param lease how long the lease lasts
	 * @return the ids of the runs inserted, the runs skipped by a gate or their singleton
	 * key, and the runs cancelled by a new run of their singleton key
	 */
	default GatedInsert insertLeasedGated(List<NewRun> runs, String owner, Duration lease) {
		return insertLeasedGated(runs, owner, lease, Duration.ZERO);
	}

	/**
	 * Records new runs as {@link #insertLeasedGated(List, String, Duration)} does, and
	 * assigns each run that passed its gates and has a {@link NewRun#throttle() throttle}
	 * its start time, in database time, in the same transaction: the throttle's row of
	 * the key is locked and advanced, so concurrent instances never start more runs than
	 * it allows. A run whose start time is now is recorded as {@link #insertLeased} does;
	 * one that starts within {@code holdAhead} stays leased to {@code owner} but
	 * {@link RunStatus#QUEUED}, not started, for the owner to start at its time; a later
	 * one is recorded {@link RunStatus#DELAYED}, unleased, with its start time as wake
	 * time and the reason as its error. A run with a {@link NewRun#debounce() debounce}
	 * is recorded {@link RunStatus#DELAYED} until its burst of events is over, and takes
	 * the place of the run its key held back, which becomes {@link RunStatus#CANCELLED};
	 * a run whose event is older than the one held back is cancelled instead.
	 * @param runs the runs to record
	 * @param owner the instance that takes the lease
	 * @param lease how long the lease lasts
	 * @param holdAhead how far ahead a start may be and the run still stay leased to the
	 * owner
	 * @return the ids of the runs inserted, the runs skipped by a gate, and those that
	 * start later
	 */
	default GatedInsert insertLeasedGated(List<NewRun> runs, String owner, Duration lease, Duration holdAhead) {
		throw new UnsupportedOperationException(getClass().getName() + " does not support flow control "
				+ "(@EventHandler idempotency, rateLimit, throttle and singleton)");
	}

	/**
	 * What {@link #insertLeasedGated} did.
	 *
	 * @param inserted the ids of the runs inserted and started, in the order given
	 * @param skipped the ids of the runs a gate kept out, each with the kind of that gate
	 * @param held the ids of the runs inserted {@link RunStatus#QUEUED} and leased to the
	 * owner, each with how long after now (in database time) it starts
	 * @param delayed the ids of the runs inserted that do not start now: recorded
	 * {@link RunStatus#DELAYED}, or {@link RunStatus#CANCELLED} as superseded by a newer
	 * event of their debounce
	 * @param superseded the ids of the unfinished runs that a new run of their singleton
	 * key cancelled, each with the reason recorded; new runs of the same call among them
	 * are in none of the other lists
	 */
	record GatedInsert(List<String> inserted, Map<String, String> skipped, Map<String, Duration> held,
			List<String> delayed, Map<String, String> superseded) {

		/**
		 * Creates the outcome of an insert that started every run it inserted.
		 * @param inserted the ids of the runs inserted and started
		 * @param skipped the ids of the runs a gate kept out, with the kind of that gate
		 */
		public GatedInsert(List<String> inserted, Map<String, String> skipped) {
			this(inserted, skipped, Map.of(), List.of());
		}

		/**
		 * Creates the outcome of an insert that cancelled no run.
		 * @param inserted the ids of the runs inserted and started
		 * @param skipped the ids of the runs a gate kept out, with the kind of that gate
		 * @param held the ids of the runs inserted leased but not started, with when they
		 * start
		 * @param delayed the ids of the runs inserted {@link RunStatus#DELAYED}
		 */
		public GatedInsert(List<String> inserted, Map<String, String> skipped, Map<String, Duration> held,
				List<String> delayed) {
			this(inserted, skipped, held, delayed, Map.of());
		}

	}

	/**
	 * Claims {@link RunStatus#DELAYED} runs of the given functions that start within
	 * {@code ahead}, as a throttle scheduled them: each becomes {@link RunStatus#QUEUED},
	 * leased to {@code owner}, with its version incremented, for the owner to start at
	 * its time. Rows locked by another claimer are skipped.
	 * @param owner the claiming instance
	 * @param lease how long the lease lasts
	 * @param limit the maximum number of runs to claim
	 * @param functionIds the functions whose runs may be claimed
	 * @param ahead how far ahead of now (in database time) a start may be
	 * @return the claimed runs, each with how long after now it starts
	 */
	default List<HeldRun> claimStarting(String owner, Duration lease, int limit, Collection<String> functionIds,
			Duration ahead) {
		return List.of();
	}

	/**
	 * A run leased to an instance that starts it later.
	 *
	 * @param run the run, with the version the instance holds
	 * @param startsIn how long after now it starts
	 */
	record HeldRun(RunRecord run, Duration startsIn) {

	}

	/**
	 * Finds a run.
	 * @param runId the run id
	 * @return the run, or {@code null} if unknown
	 */
	@Nullable RunRecord find(String runId);

	/**
	 * Marks a leased run {@link RunStatus#RUNNING}, increments its attempt and sets its
	 * start time if unset.
	 * @param runId the run id
	 * @param version the version the caller holds
	 * @return whether the run was updated
	 */
	boolean start(String runId, long version);

	/**
	 * Claims runs that are due: {@link RunStatus#SLEEPING} runs whose wake time has come,
	 * {@link RunStatus#WAITING} runs whose wait timed out, {@link RunStatus#DELAYED} runs
	 * of functions in {@code functionIds} whose wake time has come, and
	 * {@link RunStatus#QUEUED} or {@link RunStatus#RUNNING} runs whose lease expired
	 * before a given instant. Each claimed run becomes {@link RunStatus#QUEUED}, leased
	 * to {@code owner}, with its version incremented. Rows locked by another claimer are
	 * skipped. Only runs of the given functions are claimed, so an instance never takes a
	 * run it cannot execute (during a rolling update, or when another application shares
	 * the tables).
	 * @param owner the claiming instance
	 * @param lease how long the lease lasts
	 * @param limit the maximum number of runs to claim
	 * @param functionIds the functions this instance can execute
	 * @param takeOverLeasesExpiredBefore runs whose lease expired before this instant (in
	 * database time) are claimed too; {@code null} claims only sleeping and waiting runs
	 * that are due. The caller passes the time it decided to take over, not the time the
	 * statement runs: a claim held up by an unreachable database must not take leases
	 * that lapsed while it waited
	 * @param heldByOwner whether {@code owner} is still executing or holding a run: such
	 * a run of its own is not taken over even if its lease expired (its heartbeat was
	 * late), since that would run its current step a second time; runs of its own that it
	 * no longer holds (orphans) are taken over like any other
	 * @return the claimed runs, with their new version
	 */
	List<RunRecord> claimDue(String owner, Duration lease, int limit, Collection<String> functionIds,
			@Nullable Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner);

	/**
	 * Claims the due runs of functions with a concurrency limit, each only if it gets a
	 * slot: their runs whose lease expired before a given instant (they hold their slot
	 * already, and keep it), their {@link RunStatus#DELAYED} runs, first in the queue
	 * first, while their key has a free slot, and their {@link RunStatus#SLEEPING} and
	 * {@link RunStatus#WAITING} runs whose time came, which wait
	 * {@link RunStatus#DELAYED} for a slot again first. Admissions of one key are
	 * serialized across instances, so the runs of a key queued or running never exceed
	 * its limit. {@link #claimDue} leaves these functions' due runs alone; it takes over
	 * their expired leases only if asked to. A claimed run that never started (held back
	 * when it was recorded) is claimed started: {@link RunStatus#RUNNING} with attempt 1
	 * and no steps, as {@link #insertLeased} records a run, for the caller to execute as
	 * a fresh run; the others are claimed {@link RunStatus#QUEUED}, as by
	 * {@link #claimDue}.
	 * @param owner the claiming instance
	 * @param lease how long the lease lasts
	 * @param limit the maximum number of runs to claim
	 * @param admissions the functions with a limit that this instance can execute
	 * @param takeOverLeasesExpiredBefore as for {@link #claimDue}
	 * @param heldByOwner as for {@link #claimDue}
	 * @return the claimed runs, with their new version
	 */
	default List<RunRecord> claimAdmitted(String owner, Duration lease, int limit, Collection<Admission> admissions,
			@Nullable Instant takeOverLeasesExpiredBefore, Predicate<String> heldByOwner) {
		throw new UnsupportedOperationException(
				getClass().getName() + " does not support concurrency limits (@EventHandler concurrency)");
	}

	/**
	 * Claims, as {@link #claimAdmitted} does, only the {@link RunStatus#DELAYED} runs
	 * already waiting for a slot, while their key has a free one: what a run that just
	 * freed its slot lets start. Runs whose time came and expired leases are left to
	 * {@link #claimAdmitted}, which the instance's poll calls, so a run's end costs only
	 * a look at the head of the queues.
	 * @param owner the claiming instance
	 * @param lease how long the lease lasts
	 * @param limit the maximum number of runs to claim
	 * @param admissions the functions with a limit that this instance can execute
	 * @return the claimed runs, with their new version
	 */
	default List<RunRecord> claimFreedSlots(String owner, Duration lease, int limit, Collection<Admission> admissions) {
		return claimAdmitted(owner, lease, limit, admissions, null, (runId) -> false);
	}

	/**
	 * Says whether runs of a function may be waiting for a concurrency slot, as far as
	 * this instance knows, so that the end of a run need not hand work to another thread
	 * only for {@link #claimFreedSlots} to find nothing waiting. {@code false} must mean
	 * what {@link #claimFreedSlots} would decide without looking: the poll looks at every
	 * queue whatever this says.
	 * @param functionId the function id
	 * @return {@code false} if no run of the function is known to wait; {@code true} by
	 * default
	 */
	default boolean mayHaveRunsWaitingForSlots(String functionId) {
		return true;
	}

	/**
	 * A function whose runs start only with a concurrency slot.
	 *
	 * @param functionId the function id
	 * @param limit most runs queued or running at once per key
	 * @param reason why a run waits, shown as its error while it does
	 */
	record Admission(String functionId, int limit, String reason) {

	}

	/**
	 * Extends the leases of the given runs, each only while it is queued or running and
	 * leased to {@code owner}. The owner passes the runs it actually holds, so a run
	 * leased to it that it does not hold (its claim or insert committed but the answer
	 * was lost) lapses and is claimed again.
	 * @param owner the instance
	 * @param runIds the runs the instance holds
	 * @param lease the new lease length from now
	 * @return how many leases were extended
	 */
	int extendLeases(String owner, Collection<String> runIds, Duration lease);

	/**
	 * Releases every lease held by {@code owner} on a queued or running run, making the
	 * runs immediately claimable by another instance.
	 * @param owner the instance
	 * @return how many leases were released
	 */
	int releaseLeases(String owner);

	/**
	 * Parks a run as {@link RunStatus#SLEEPING} until {@code delay} from now (database
	 * time) and clears its lease.
	 * @param runId the run id
	 * @param version the version the caller holds
	 * @param delay how long to sleep
	 * @param error the error that caused a retry backoff, or {@code null}
	 * @param handlerFailures the run's count of handler failures outside steps
	 * @return whether the run was updated
	 */
	boolean park(String runId, long version, Duration delay, @Nullable String error, int handlerFailures);

	/**
	 * Marks a run {@link RunStatus#FAILED}, clears its lease and records a dead letter
	 * for it, in one transaction.
	 * @param runId the run id
	 * @param version the version the caller holds
	 * @param stepId the step whose retries ran out, or {@code null} for a failure outside
	 * any step
	 * @param error the error
	 * @return whether the run was updated
	 */
	default boolean fail(String runId, long version, @Nullable String stepId, String error) {
		return fail(runId, version, stepId, error, null);
	}

	/**
	 * Marks a run {@link RunStatus#FAILED}, clears its lease, records a dead letter for
	 * it and records the run of its failure handler, in one transaction. The failure
	 * handler's run is {@link RunStatus#QUEUED} and unleased, so the next poll of any
	 * instance that has its function claims it; if its {@code (functionId, eventId)} is
	 * already recorded (the run failed before, was replayed and failed again) it is
	 * skipped.
	 * @param runId the run id
	 * @param version the version the caller holds
	 * @param stepId the step whose retries ran out, or {@code null} for a failure outside
	 * any step
	 * @param error the error
	 * @param failureHandlerRun the run of the function's failure handler, or {@code null}
	 * for none
	 * @return whether the run was updated
	 */
	boolean fail(String runId, long version, @Nullable String stepId, String error, @Nullable NewRun failureHandlerRun);

	/**
	 * Replays a {@link RunStatus#FAILED} run: removes its dead letter and the record of
	 * its failed steps (completed steps stay), and makes it {@link RunStatus#QUEUED},
	 * leased to {@code owner} with its version incremented and its handler failures
	 * reset.
	 * @param runId the run id
	 * @param owner the instance that takes the lease
	 * @param lease how long the lease lasts
	 * @return the replayed run with its new version, or {@code null} if the run is not
	 * failed
	 */
	@Nullable RunRecord replay(String runId, String owner, Duration lease);

	/**
	 * Runs a finished run again from one of its steps: in one transaction, a
	 * {@link RunStatus#COMPLETED}, {@link RunStatus#FAILED} or
	 * {@link RunStatus#CANCELLED} run becomes {@link RunStatus#QUEUED}, leased to
	 * {@code owner} with its version incremented (so no earlier execution can write to
	 * it) and its output, error and handler failures cleared; the given step and every
	 * step that started at or after it are removed, the steps that started before it
	 * kept; its dead letter and open waits are removed.
	 * @param runId the run id
	 * @param stepId the step to run again, with the steps after it
	 * @param owner the instance that takes the lease
	 * @param lease how long the lease lasts
	 * @return the queued run with its new version, or {@code null} if the run is unknown
	 * or not finished
	 * @throws IllegalArgumentException if the run has no step with that id
	 */
	@Nullable RunRecord rerunFrom(String runId, String stepId, String owner, Duration lease);

	/**
	 * Cancels a run that has not finished, recording no reason. See
	 * {@link #cancel(String, String)}.
	 * @param runId the run id
	 * @return whether the run was cancelled
	 */
	default boolean cancel(String runId) {
		return cancel(runId, null);
	}

	/**
	 * Cancels a run that has not finished: {@link RunStatus#DELAYED},
	 * {@link RunStatus#QUEUED}, {@link RunStatus#RUNNING}, {@link RunStatus#SLEEPING} or
	 * {@link RunStatus#WAITING}. It becomes {@link RunStatus#CANCELLED} with a finish
	 * time of now, its lease and wake time are cleared, its open event waits are removed
	 * and its version is incremented, in one transaction, so a worker executing it (on
	 * any instance) cannot checkpoint another step or complete it: its next fenced write
	 * fails and it stops. A parent waiting for the run is made due.
	 * @param runId the run id
	 * @param reason why, stored as the run's error so that operators see it, or
	 * {@code null} to clear the error
	 * @return whether the run was cancelled; {@code false} if it is unknown or finished
	 */
	boolean cancel(String runId, @Nullable String reason);

	/**
	 * Returns which of the given runs are {@link RunStatus#CANCELLED}: the lease
	 * heartbeat asks it for the held runs whose lease it could not extend, to stop their
	 * executions.
	 * @param runIds the run ids
	 * @return the cancelled ones, in no particular order
	 */
	List<String> findCancelled(Collection<String> runIds);

	/**
	 * Finds runs of a function that have waited longer than its start timeout to start:
	 * {@link RunStatus#QUEUED} runs never started and recorded more than
	 * {@code startTimeout} ago (database time).
	 * @param functionId the function id
	 * @param startTimeout the function's start timeout
	 * @param limit the most runs to return
	 * @return the run ids
	 */
	List<String> findStartOverdue(String functionId, Duration startTimeout, int limit);

	/**
	 * Finds runs of a function that have not finished within its finish timeout: runs
	 * that are not finished and first started more than {@code finishTimeout} ago
	 * (database time).
	 * @param functionId the function id
	 * @param finishTimeout the function's finish timeout
	 * @param limit the most runs to return
	 * @return the run ids
	 */
	List<String> findFinishOverdue(String functionId, Duration finishTimeout, int limit);

	/**
	 * Lists runs, newest first.
	 * @param query the filter
	 * @return the runs
	 */
	List<RunRecord> findRuns(RunQuery query);

	/**
	 * Counts runs by status.
	 * @return the count per status; statuses without runs may be absent
	 */
	Map<RunStatus, Long> countByStatus();

	/**
	 * Returns when the oldest run with a status was recorded.
	 * @param status the status
	 * @return the creation time of the oldest such run, or {@code null} if there is none
	 */
	@Nullable Instant oldestCreatedAt(RunStatus status);

	/**
	 * Finds runs by id.
	 * @param runIds the run ids
	 * @return the runs found, in no particular order
	 */
	List<RunRecord> findAll(Collection<String> runIds);

	/**
	 * Returns the latest event time among the runs of a function triggered by events of
	 * one name: for cron runs, whose event time is their tick, the latest tick that ran.
	 * @param functionId the function id
	 * @param eventName the event name
	 * @return the latest event time, or {@code null} if there is no such run
	 */
	@Nullable Instant latestEventTime(String functionId, String eventName);

	/**
	 * Records a run started by {@code step.invoke} and links it to the run waiting for
	 * it, in one transaction. The run is {@link RunStatus#QUEUED} and unleased, so the
	 * next poll of any instance that has its function claims it. A run whose
	 * {@code (functionId, eventId)} is already recorded is skipped.
	 * @param run the child run
	 * @param parentRunId the run that invoked it
	 * @param parentStepId the step of the parent that invoked it
	 * @return whether the child run was inserted
	 */
	boolean insertChild(NewRun run, String parentRunId, String parentStepId);

	/**
	 * Parks a run as {@link RunStatus#WAITING} until a child run it invoked finishes,
	 * clearing its lease. When the child run has already finished, the run is made due at
	 * once instead. A child run reaching {@link RunStatus#COMPLETED} (a
	 * {@link Checkpoint.RunCompleted}), {@link RunStatus#FAILED} ({@link #fail}) or
	 * {@link RunStatus#CANCELLED} ({@link #cancel}) makes its waiting parent due
	 * ({@link RunStatus#SLEEPING} with a wake time of now) in the same transaction, so no
	 * wake-up is lost whichever finishes first.
	 * @param runId the waiting run
	 * @param version the version the caller holds
	 * @param childRunId the child run
	 * @return whether the run was updated
	 */
	boolean awaitChild(String runId, long version, String childRunId);

}
