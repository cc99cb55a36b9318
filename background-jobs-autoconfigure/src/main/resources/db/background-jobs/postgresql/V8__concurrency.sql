-- background-jobs schema, version 8: concurrency limits (EventHandler.concurrency).
-- A run of a function with a concurrency limit records the SHA-256 (hex) of function id and the value of
-- the limit's key in concurrency_key. It holds a slot of its key while it is QUEUED or RUNNING, so the slots
-- taken are counted from the runs themselves (bj_runs_concurrency_idx) and free themselves when a run
-- finishes, parks, or moves with its lapsed lease to another instance. bj_concurrency_keys has a row per
-- key that admissions lock, so that one instance at a time counts and starts the runs of a key.

ALTER TABLE bj_runs ADD COLUMN IF NOT EXISTS concurrency_key VARCHAR(64);

-- Counts the runs holding slots of a key, and finds its waiting runs in queue order.
CREATE INDEX IF NOT EXISTS bj_runs_concurrency_idx ON bj_runs (concurrency_key, status, wake_at);

CREATE TABLE IF NOT EXISTS bj_concurrency_keys (
	key_hash VARCHAR(64) NOT NULL,
	locked_at TIMESTAMPTZ NOT NULL,
	CONSTRAINT bj_concurrency_keys_pk PRIMARY KEY (key_hash)
);
