-- background-jobs schema, version 9: throttles (EventHandler.throttle).
-- throttle_key is the SHA-256 (hex) of function id and the value of the throttle's key in the triggering event.
-- next_start is the theoretical arrival time of the generic cell rate algorithm: the time at which the key
-- has room for one more evenly spaced start. Recording a run moves it to the later of itself and now, plus
-- period / limit, under the row's lock, in the transaction that records the run; the run starts at the later
-- of now and the moved-from time less burst spacings. A row whose next_start has passed counts as absent, and
-- retention deletes it.

CREATE TABLE IF NOT EXISTS bj_throttles (
	throttle_key VARCHAR(64) NOT NULL,
	next_start TIMESTAMPTZ NOT NULL,
	CONSTRAINT bj_throttles_pk PRIMARY KEY (throttle_key)
);

CREATE INDEX IF NOT EXISTS bj_throttles_next_start_idx ON bj_throttles (next_start);
