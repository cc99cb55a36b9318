-- background-jobs schema, version 2: indexes that keep the queries of health checks, gauges,
-- the jobs endpoint and retention cheap at millions of runs.

-- Lists runs of one status newest first (the endpoint), finds the oldest queued run
-- (health), and counts runs by status from the index alone.
CREATE INDEX IF NOT EXISTS bj_runs_status_created_idx ON bj_runs (status, created_at, run_id);

-- Finds the finished runs that retention deletes, oldest first. Partial, so that inserting a
-- run and every write before it finishes leave this index alone.
CREATE INDEX IF NOT EXISTS bj_runs_finished_idx ON bj_runs (status, finished_at) WHERE finished_at IS NOT NULL;

-- Finds the runs a run invoked, so retention keeps a parent while a child still runs.
CREATE INDEX IF NOT EXISTS bj_invocations_parent_idx ON bj_invocations (parent_run_id);

-- The lease indexes hold only held runs: completing a run (an update PostgreSQL cannot keep
-- heap-only, as it changes indexed columns) adds no entry to either. The wake-up index stays
-- whole, as counting runs by status reads it alone.
DROP INDEX IF EXISTS bj_runs_lease_idx;
CREATE INDEX IF NOT EXISTS bj_runs_lease_idx ON bj_runs (status, lease_until) WHERE lease_until IS NOT NULL;
DROP INDEX IF EXISTS bj_runs_owner_idx;
CREATE INDEX IF NOT EXISTS bj_runs_owner_idx ON bj_runs (lease_owner) WHERE lease_owner IS NOT NULL;
