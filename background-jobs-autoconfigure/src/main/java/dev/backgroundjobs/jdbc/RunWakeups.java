package dev.backgroundjobs.jdbc;

import java.util.function.BooleanSupplier;

/**
 * Makes waiting runs due: a run whose child run finished or whose awaited event arrived,
 * and the waiting parent of a run that finishes. Every store that finishes a run or
 * resolves a wait goes through here, so a parent is woken the same way whether its child
 * completed, failed or was cancelled. Its methods join the caller's transaction.
 */
final class RunWakeups {

	private static final String SELECT_PARENT = "SELECT parent_run_id FROM bj_invocations WHERE child_run_id = :runId";

	private static final String LOCK_RUN = "SELECT run_id FROM bj_runs WHERE run_id = :runId FOR UPDATE";

	private final JdbcStoreSupport support;

	private final String wakeWaiting;

	RunWakeups(JdbcStoreSupport support) {
		this.support = support;
		this.wakeWaiting = support.render(RunSql.WAKE_WAITING);
	}

	/**
	 * Runs the statement that finishes a run and, when a parent waits for it, makes the
	 * parent due, in the caller's transaction. The parent's row is locked first, as
	 * {@link JdbcRunStore#awaitChild} locks it by updating it before it reads the child,
	 * so whichever runs second sees the other's write.
	 * @param runId the run that finishes
	 * @param update runs the statement that finishes the run and says whether it did
	 * @return whether the run finished
	 */
	boolean finish(String runId, BooleanSupplier update) {
		String parent = this.support.jdbc()
			.sql(SELECT_PARENT)
			.param("runId", runId)
			.query(String.class)
			.optional()
			.orElse(null);
		if (parent != null) {
			this.support.jdbc().sql(LOCK_RUN).param("runId", parent).query(String.class).list();
		}
		boolean finished = update.getAsBoolean();
		if (finished && parent != null) {
			wake(parent);
		}
		return finished;
	}

	/**
	 * Makes a run due at once if it is waiting.
	 * @param runId the run
	 */
	void wake(String runId) {
		this.support.jdbc().sql(this.wakeWaiting).param("runId", runId).update();
	}

}
