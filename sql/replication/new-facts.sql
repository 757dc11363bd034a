-- replicate preflight, on NEW: whether the role may subscribe, and the worker budget.
-- $1: subscription name. pg_create_subscription exists from 16 on (before, superuser only).
SELECT current_setting('server_version_num')::int AS version_num,
       current_user AS role,
       r.rolsuper AS is_superuser,
       CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_create_subscription')
            THEN pg_has_role('pg_create_subscription', 'USAGE') ELSE false END AS can_subscribe,
       current_setting('max_logical_replication_workers')::int AS max_workers,
       current_setting('max_sync_workers_per_subscription')::int AS max_sync_workers,
       EXISTS (SELECT 1 FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
                WHERE d.datname = current_database() AND s.subname = $1) AS subscription_exists
  FROM pg_roles r
 WHERE r.rolname = current_user;
