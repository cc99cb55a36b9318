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
	open_events INT NOT NULL,
	opened_at DATETIME(6),
	closed_batches BIGINT NOT NULL,
	PRIMARY KEY (batch_key),
	KEY bj_batches_due_idx (function_id, opened_at)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS bj_batch_events (
	function_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	batch_key VARCHAR(64) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	event_data LONGTEXT NOT NULL,
	event_time DATETIME(6) NOT NULL,
	trace_context VARCHAR(4000),
	received_at DATETIME(6) NOT NULL,
	batch_run_id VARCHAR(255),
	PRIMARY KEY (function_id, event_id),
	KEY bj_batch_events_open_idx (batch_key, batch_run_id, received_at),
	KEY bj_batch_events_run_idx (batch_run_id)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
