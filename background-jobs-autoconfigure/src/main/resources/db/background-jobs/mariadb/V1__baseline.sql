-- background-jobs schema, version 1, for MariaDB 10.6+ (SKIP LOCKED needs 10.6).
-- Applied by the starter's migrator (background-jobs.jdbc.initialize-schema=always), or by Flyway
-- from classpath:db/background-jobs/{vendor}. Every statement is idempotent, so this script also
-- brings a database created by an earlier, unversioned release up to version 1.
-- Indexes are declared inside CREATE TABLE because MySQL has no CREATE INDEX IF NOT EXISTS.
-- Times are DATETIME(6) holding UTC, written from UTC_TIMESTAMP(6), so the session time zone
-- does not matter (and there is no 2038 limit as with TIMESTAMP).
-- Ids are at most 255 characters, compared case-sensitively (utf8mb4_bin). The widest key,
-- (function_id, event_id), is 2 x 255 x 4 = 2040 bytes: within InnoDB's 3072-byte limit for
-- the DYNAMIC row format, which the tables declare.

CREATE TABLE IF NOT EXISTS bj_runs (
	run_id VARCHAR(255) NOT NULL,
	function_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	event_data LONGTEXT NOT NULL,
	event_time DATETIME(6) NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempt INT NOT NULL,
	version BIGINT NOT NULL,
	handler_failures INT NOT NULL,
	lease_owner VARCHAR(255),
	lease_until DATETIME(6),
	wake_at DATETIME(6),
	output LONGTEXT,
	error LONGTEXT,
	trace_context VARCHAR(4000),
	created_at DATETIME(6) NOT NULL,
	started_at DATETIME(6),
	finished_at DATETIME(6),
	PRIMARY KEY (run_id),
	UNIQUE KEY bj_runs_event_uk (function_id, event_id),
	KEY bj_runs_wake_idx (status, wake_at),
	KEY bj_runs_lease_idx (status, lease_until),
	KEY bj_runs_owner_idx (lease_owner),
	KEY bj_runs_created_idx (created_at, run_id),
	KEY bj_runs_function_created_idx (function_id, created_at),
	KEY bj_runs_function_event_idx (function_id, event_name, event_time)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS bj_steps (
	run_id VARCHAR(255) NOT NULL,
	step_id VARCHAR(255) NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempts INT NOT NULL,
	output LONGTEXT,
	error LONGTEXT,
	started_at DATETIME(6) NOT NULL,
	finished_at DATETIME(6) NOT NULL,
	PRIMARY KEY (run_id, step_id)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A dead letter is relayed to the dead-letter topic from this table (an outbox):
-- publish_pending is 1 until the broker acknowledged it. Rows of databases created before
-- these columns existed default to 0: they were published when they were written.
CREATE TABLE IF NOT EXISTS bj_dead_letters (
	id VARCHAR(255) NOT NULL,
	run_id VARCHAR(255),
	function_id VARCHAR(255) NOT NULL,
	step_id VARCHAR(255),
	error LONGTEXT NOT NULL,
	record_topic VARCHAR(255),
	record_partition INT NOT NULL,
	record_offset BIGINT NOT NULL,
	record_key LONGBLOB,
	record_value LONGBLOB,
	record_headers LONGBLOB,
	publish_pending SMALLINT DEFAULT 0 NOT NULL,
	published_at DATETIME(6) NULL,
	created_at DATETIME(6) NOT NULL,
	PRIMARY KEY (id),
	KEY bj_dead_letters_created_idx (created_at)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Adds the relay's columns to a table created by an earlier version.
ALTER TABLE bj_dead_letters ADD COLUMN IF NOT EXISTS record_headers LONGBLOB;
ALTER TABLE bj_dead_letters ADD COLUMN IF NOT EXISTS publish_pending SMALLINT DEFAULT 0 NOT NULL;
ALTER TABLE bj_dead_letters ADD COLUMN IF NOT EXISTS published_at DATETIME(6) NULL;

CREATE INDEX IF NOT EXISTS bj_dead_letters_pending_idx ON bj_dead_letters (publish_pending, created_at);

-- A run started by step.invoke, and the run waiting for it: when the child run finishes,
-- its parent is made due.
CREATE TABLE IF NOT EXISTS bj_invocations (
	child_run_id VARCHAR(255) NOT NULL,
	parent_run_id VARCHAR(255) NOT NULL,
	parent_step_id VARCHAR(255) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	PRIMARY KEY (child_run_id)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A run's wait for an event (step.waitForEvent). Incoming events are matched by an index
-- lookup on (event_name, match_path, match_value). start_offsets is where the awaited
-- event's log ended when the wait began ("partition:offset,..."; NULL while the wait is
-- being recorded): only events at or past it resolve the wait. start_generation counts
-- restarts of a wait whose start a consumer could not wait for.
-- The match key is 3 x 255 x 4 = 3060 bytes, within InnoDB's 3072-byte limit.
CREATE TABLE IF NOT EXISTS bj_event_waits (
	run_id VARCHAR(255) NOT NULL,
	step_id VARCHAR(255) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	match_path VARCHAR(255) NOT NULL,
	match_value VARCHAR(255) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	expires_at DATETIME(6) NOT NULL,
	resolved_event LONGTEXT,
	start_offsets LONGTEXT,
	start_generation INT NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, step_id),
	KEY bj_event_waits_match_idx (event_name, match_path, match_value)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Adds the columns of broker-ordered waits to a table created by an earlier version.
ALTER TABLE bj_event_waits ADD COLUMN IF NOT EXISTS start_offsets LONGTEXT;
ALTER TABLE bj_event_waits ADD COLUMN IF NOT EXISTS start_generation INT NOT NULL DEFAULT 0;
