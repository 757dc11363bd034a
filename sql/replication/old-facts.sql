-- replicate preflight, on OLD: what logical replication needs from the publisher and the role.
-- $1: slot name, $2: publication name.
SELECT current_setting('server_version_num')::int AS version_num,
       current_user AS role,
       current_setting('wal_level') AS wal_level,
       r.rolsuper AS is_superuser,
       r.rolreplication AS can_replicate,
       has_database_privilege(current_database(), 'CREATE') AS can_create,
       current_setting('max_replication_slots')::int AS max_slots,
       (SELECT count(*) FROM pg_replication_slots)::int AS used_slots,
       current_setting('max_wal_senders')::int AS max_wal_senders,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')::int AS used_wal_senders,
       EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1) AS slot_exists,
       EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $2) AS publication_exists
  FROM pg_roles r
 WHERE r.rolname = current_user;
