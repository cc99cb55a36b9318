-- background-jobs schema, version 6: events that cancel runs (EventHandler.cancelOn).
-- cancel_key is the SHA-256 (hex) of function id, cancelling event name, match path and the
-- value at that path in the triggering event of the run: one short indexed column whatever their lengths.
-- bj_cancel_keys holds the keys of each run, inserted with the run; bj_cancellations the latest
-- cancelling event time per key, so that a run recorded after its cancelling event was read is
-- cancelled too. Records older than the retention of cancellations are deleted.

CREATE TABLE IF NOT EXISTS bj_cancel_keys (
	run_id VARCHAR(255) NOT NULL,
	cancel_key VARCHAR(64) NOT NULL,
	event_time DATETIME(6) NOT NULL,
	PRIMARY KEY (run_id, cancel_key),
	KEY bj_cancel_keys_key_idx (cancel_key, event_time)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS bj_cancellations (
	cancel_key VARCHAR(64) NOT NULL,
	event_time DATETIME(6) NOT NULL,
	recorded_at DATETIME(6) NOT NULL,
	PRIMARY KEY (cancel_key),
	KEY bj_cancellations_recorded_idx (recorded_at)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
