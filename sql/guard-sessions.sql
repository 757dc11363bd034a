-- The guard's look at one server: every session that waits for a lock, with the sessions it
-- waits for (pg_blocking_pids), and those sessions too; each with its application_name (on
-- OLD, postgres_fdw's sessions carry NEW's pid there) and transaction start. Seeing other
-- roles' waits and starts needs pg_read_all_stats (or superuser); the guard's own session is
-- left out, and so are other databases' (a row lock is waited for within one database; another
-- database's guard, of another migration, watches those).
WITH waiting AS (
  SELECT pid, pg_catalog.pg_blocking_pids(pid) AS blocked_by
    FROM pg_catalog.pg_stat_activity
   WHERE wait_event_type = 'Lock' AND pid <> pg_catalog.pg_backend_pid() AND datname = pg_catalog.current_database()
)
SELECT a.pid, coalesce(a.application_name, '') AS application_name, a.xact_start,
       coalesce(w.blocked_by, '{}') AS blocked_by
  FROM pg_catalog.pg_stat_activity a
  LEFT JOIN waiting w ON w.pid = a.pid
 WHERE a.datname = pg_catalog.current_database()
   AND a.pid IN (SELECT pid FROM waiting UNION SELECT unnest(blocked_by) FROM waiting);
