-- background-jobs schema, version 4: indexes for the dashboard's filters at millions of runs.

-- Finds the runs of one event id (any function).
CREATE INDEX IF NOT EXISTS bj_runs_event_id_idx ON bj_runs (event_id);

-- Lists the runs of one function in one status newest first, without reading the function's
-- other runs.
CREATE INDEX IF NOT EXISTS bj_runs_function_status_created_idx ON bj_runs (function_id, status, created_at, run_id);

-- Lists the dead letters of one function newest first.
CREATE INDEX IF NOT EXISTS bj_dead_letters_function_created_idx ON bj_dead_letters (function_id, created_at);
