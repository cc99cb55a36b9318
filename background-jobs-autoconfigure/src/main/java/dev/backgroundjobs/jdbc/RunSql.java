package dev.backgroundjobs.jdbc;

/**
 * SQL fragments on {@code bj_runs} that several stores share, kept in one place so that a
 * fenced write means the same in every statement that makes one.
 */
final class RunSql {

	/**
	 * Matches a run that a worker may hold. Only such a run takes fenced writes, so a
	 * late duplicate of a finished execution cannot revive it.
	 */
	static final String HELD = "status IN ('QUEUED', 'RUNNING')";

	/**
	 * Matches run {@code :runId} while its version is still {@code :version} and it is
	 * {@link #HELD held}: a worker that lost its lease cannot overwrite a newer attempt.
	 */
	static final String FENCE = "run_id = :runId AND version = :version AND " + HELD;

	/**
	 * Makes run {@code :runId} due at once if it waits for a child run or an event.
	 */
	static final String WAKE_WAITING = """
			UPDATE bj_runs SET status = 'SLEEPING', wake_at = ${now} WHERE run_id = :runId AND status = 'WAITING'
			""";

	private RunSql() {
	}

}
