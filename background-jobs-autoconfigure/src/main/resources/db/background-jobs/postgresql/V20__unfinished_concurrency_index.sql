-- background-jobs schema, version 20: the index of concurrency keys holds only the runs that can hold or wait
-- for a slot. A run of a function with a limit enters it when recorded and leaves it when it finishes, so its
-- completion writes no entry to it, and runs without a key (of functions without a limit) never enter it. The
-- admission's counts and queue reads, and retention's check for idle keys, all name these statuses, so the
-- planner uses it for them. It is rebuilt in the migration's transaction: writes to bj_runs wait while it is.
DROP INDEX IF EXISTS bj_runs_concurrency_idx;

CREATE INDEX IF NOT EXISTS bj_runs_concurrency_idx ON bj_runs (concurrency_key, status, wake_at)
	WHERE concurrency_key IS NOT NULL AND status IN ('DELAYED', 'QUEUED', 'RUNNING', 'SLEEPING', 'WAITING');
