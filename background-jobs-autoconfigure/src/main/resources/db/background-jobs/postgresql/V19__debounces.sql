-- background-jobs schema, version 19: debounces (EventHandler.debounce).
-- debounce_key is the SHA-256 (hex) of function id and the value of the debounce's key in the triggering event.
-- A row points at the run its key holds back (run_id, with its event's id and time): that run is DELAYED until
-- wake_at, and a newer event's run takes its place, cancelling it, in the transaction that records the newer run,
-- under this row's lock. first_at is when the burst began, which bounds wake_at by the debounce's timeout. Once
-- the run has left DELAYED (started or cancelled) the burst is over and the next event begins a new one. A row
-- whose wake_at has passed is no longer needed, and retention deletes it.

CREATE TABLE IF NOT EXISTS bj_debounces (
	debounce_key VARCHAR(64) NOT NULL,
	run_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	event_time TIMESTAMPTZ NOT NULL,
	first_at TIMESTAMPTZ NOT NULL,
	wake_at TIMESTAMPTZ NOT NULL,
	hits BIGINT NOT NULL,
	CONSTRAINT bj_debounces_pk PRIMARY KEY (debounce_key)
);

CREATE INDEX IF NOT EXISTS bj_debounces_wake_at_idx ON bj_debounces (wake_at);
