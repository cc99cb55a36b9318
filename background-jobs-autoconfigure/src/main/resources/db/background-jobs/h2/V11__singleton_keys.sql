-- background-jobs schema, version 11: singletons (EventHandler.singleton).
-- singleton_key is the SHA-256 (hex) of function id and the value of the singleton's key in the triggering event.
-- A row names the run that last claimed the key; it is locked and changed in the transaction that records a
-- new run of the key. The key is held while that run is unfinished: a finished or deleted run holds nothing,
-- so nothing is written when a run ends, and retention deletes rows whose run is gone.

CREATE TABLE IF NOT EXISTS bj_singleton_keys (
	singleton_key VARCHAR(64) NOT NULL,
	run_id VARCHAR(255) NOT NULL,
	CONSTRAINT bj_singleton_keys_pk PRIMARY KEY (singleton_key)
);
