-- background-jobs schema for H2 2.x.
-- Every statement is idempotent, so the file can be applied on each start-up
-- (background-jobs.jdbc.initialize-schema=always) or copied into a Flyway or Liquibase migration.
-- Times are TIMESTAMP(6) WITH TIME ZONE, written from the database clock. Ids are at most 255 characters.

CREATE TABLE IF NOT EXISTS bj_runs (
	run_id VARCHAR(255) NOT NULL,
	function_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	event_data CLOB NOT NULL,
	event_time TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempt INTEGER NOT NULL,
	version BIGINT NOT NULL,
	handler_failures INTEGER NOT NULL,
	lease_owner VARCHAR(255),
	lease_until TIMESTAMP(6) WITH TIME ZONE,
	wake_at TIMESTAMP(6) WITH TIME ZONE,
	output CLOB,
	error CLOB,
	trace_context VARCHAR(4000),
	created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	started_at TIMESTAMP(6) WITH TIME ZONE,
	finished_at TIMESTAMP(6) WITH TIME ZONE,
	CONSTRAINT bj_runs_pk PRIMARY KEY (run_id),
	CONSTRAINT bj_runs_event_uk UNIQUE (function_id, event_id)
);

CREATE INDEX IF NOT EXISTS bj_runs_wake_idx ON bj_runs (status, wake_at);
CREATE INDEX IF NOT EXISTS bj_runs_lease_idx ON bj_runs (status, lease_until);
CREATE INDEX IF NOT EXISTS bj_runs_owner_idx ON bj_runs (lease_owner);
CREATE INDEX IF NOT EXISTS bj_runs_created_idx ON bj_runs (created_at, run_id);
CREATE INDEX IF NOT EXISTS bj_runs_function_created_idx ON bj_runs (function_id, created_at);
CREATE INDEX IF NOT EXISTS bj_runs_function_event_idx ON bj_runs (function_id, event_name, event_time);

CREATE TABLE IF NOT EXISTS bj_steps (
	run_id VARCHAR(255) NOT NULL,
	step_id VARCHAR(255) NOT NULL,
	status VARCHAR(16) NOT NULL,
	attempts INTEGER NOT NULL,
	output CLOB,
	error CLOB,
	started_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	finished_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	CONSTRAINT bj_steps_pk PRIMARY KEY (run_id, step_id)
);

-- A dead letter is relayed to the dead-letter topic from this table (an outbox):
-- publish_pending is 1 until the broker acknowledged it. Rows of databases created before
-- these columns existed default to 0: they were published when they were written.
CREATE TABLE IF NOT EXISTS bj_dead_letters (
	id VARCHAR(255) NOT NULL,
	run_id VARCHAR(255),
	function_id VARCHAR(255) NOT NULL,
	step_id VARCHAR(255),
	error CLOB NOT NULL,
	record_topic VARCHAR(255),
	record_partition INTEGER NOT NULL,
	record_offset BIGINT NOT NULL,
	record_key BLOB,
	record_value BLOB,
	record_headers BLOB,
	publish_pending SMALLINT DEFAULT 0 NOT NULL,
	published_at TIMESTAMP(6) WITH TIME ZONE NULL,
	created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	CONSTRAINT bj_dead_letters_pk PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS bj_dead_letters_created_idx ON bj_dead_letters (created_at);

-- Adds the relay's columns to a table created by an earlier version.
ALTER TABLE bj_dead_letters ADD COLUMN IF NOT EXISTS record_headers BLOB;
ALTER TABLE bj_dead_letters ADD COLUMN IF NOT EXISTS publish_pending SMALLINT DEFAULT 0 NOT NULL;
ALTER TABLE bj_dead_letters ADD COLUMN IF NOT EXISTS published_at TIMESTAMP(6) WITH TIME ZONE NULL;

CREATE INDEX IF NOT EXISTS bj_dead_letters_pending_idx ON bj_dead_letters (publish_pending, created_at);

-- A run started by step.invoke, and the run waiting for it: when the child run finishes,
-- its parent is made due.
CREATE TABLE IF NOT EXISTS bj_invocations (
	child_run_id VARCHAR(255) NOT NULL,
	parent_run_id VARCHAR(255) NOT NULL,
	parent_step_id VARCHAR(255) NOT NULL,
	created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	CONSTRAINT bj_invocations_pk PRIMARY KEY (child_run_id)
);

-- A run's wait for an event (step.waitForEvent). Incoming events are matched by an index
-- lookup on (event_name, match_path, match_value). start_offsets is where the awaited
-- event's log ended when the wait began ("partition:offset,..."; NULL while the wait is
-- being recorded): only events at or past it resolve the wait. start_generation counts
-- restarts of a wait whose start a consumer could not wait for.
CREATE TABLE IF NOT EXISTS bj_event_waits (
	run_id VARCHAR(255) NOT NULL,
	step_id VARCHAR(255) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	match_path VARCHAR(255) NOT NULL,
	match_value VARCHAR(255) NOT NULL,
	created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	expires_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	resolved_event CLOB,
	start_offsets CLOB,
	start_generation INT DEFAULT 0 NOT NULL,
	CONSTRAINT bj_event_waits_pk PRIMARY KEY (run_id, step_id)
);

-- Adds the columns of broker-ordered waits to a table created by an earlier version.
ALTER TABLE bj_event_waits ADD COLUMN IF NOT EXISTS start_offsets CLOB;
ALTER TABLE bj_event_waits ADD COLUMN IF NOT EXISTS start_generation INT DEFAULT 0 NOT NULL;

CREATE INDEX IF NOT EXISTS bj_event_waits_match_idx ON bj_event_waits (event_name, match_path, match_value);
