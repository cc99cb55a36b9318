-- background-jobs schema, version 10: batching (EventHandler.batch).
-- bj_batches has one row per function and batch key (batch_key: the SHA-256, hex, of function id and the
-- value of the key in the event): how many events wait in its open batch, since when (opened_at, database
-- time of the oldest of them, NULL when none wait) and how many batches it closed. Its row lock serializes
-- the transactions that add events to the key or close one of its batches.
-- bj_batch_events holds each event of a batched function once (primary key function_id, event_id, so a
-- redelivered event is ignored), with batch_run_id set, in the transaction that records the run, when a
-- batch takes it. Retention deletes the events of a run with the run.

CREATE TABLE IF NOT EXISTS bj_batches (
	batch_key VARCHAR(64) NOT NULL,
	function_id VARCHAR(255) NOT NULL,
	open_events INTEGER NOT NULL,
	opened_at TIMESTAMPTZ,
	closed_batches BIGINT NOT NULL,
	CONSTRAINT bj_batches_pk PRIMARY KEY (batch_key)
);

CREATE INDEX IF NOT EXISTS bj_batches_due_idx ON bj_batches (function_id, opened_at);

CREATE TABLE IF NOT EXISTS bj_batch_events (
	function_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	batch_key VARCHAR(64) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	event_data TEXT NOT NULL,
	event_time TIMESTAMPTZ NOT NULL,
	trace_context VARCHAR(4000),
	received_at TIMESTAMPTZ NOT NULL,
	batch_run_id VARCHAR(255),
	CONSTRAINT bj_batch_events_pk PRIMARY KEY (function_id, event_id)
);

CREATE INDEX IF NOT EXISTS bj_batch_events_open_idx ON bj_batch_events (batch_key, batch_run_id, received_at);

CREATE INDEX IF NOT EXISTS bj_batch_events_run_idx ON bj_batch_events (batch_run_id);
