-- background-jobs schema, version 20: on PostgreSQL, the index of concurrency keys becomes partial (only the
-- runs that can hold or wait for a slot). This database has no partial indexes: its index stays as version 8
-- made it, and this version changes nothing (a script must hold a statement).
SELECT 1;
