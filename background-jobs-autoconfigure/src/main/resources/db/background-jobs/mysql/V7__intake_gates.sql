-- background-jobs schema, version 7: idempotency keys and rate limits (EventHandler.idempotency, rateLimit).
-- gate_key is the SHA-256 (hex) of function id, gate kind and the value of the gate's key in the triggering
-- event. A row counts the runs recorded in the current window of its key (hits) and says when that window
-- ends; it is counted in the transaction that records the run. A row whose window ended counts as absent,
-- and retention deletes it.

CREATE TABLE IF NOT EXISTS bj_intake_gates (
	gate_key VARCHAR(64) NOT NULL,
	hits INT NOT NULL,
	window_end DATETIME(6) NOT NULL,
	PRIMARY KEY (gate_key),
	KEY bj_intake_gates_window_end_idx (window_end)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
