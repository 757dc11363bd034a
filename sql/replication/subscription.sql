-- replicate status, on NEW: the subscription, its apply worker's last contact with OLD, and
-- the sync state of each table. $1: subscription name. Ages are in seconds, from NEW's clock.
SELECT s.oid::int8 AS sub_oid,
       s.subenabled AS enabled,
       s.subslotname AS slot_name,
       w.pid AS worker_pid,
       w.received_lsn::text AS received_lsn,
       w.latest_end_lsn::text AS latest_end_lsn,
       extract(epoch FROM now() - w.last_msg_receipt_time)::float8 AS last_msg_age_s,
       extract(epoch FROM now() - w.latest_end_time)::float8 AS latest_end_age_s,
       coalesce((SELECT json_agg(json_build_array(n.nspname, c.relname, r.srsubstate::text) ORDER BY n.nspname, c.relname)
                   FROM pg_subscription_rel r
                   JOIN pg_class c ON c.oid = r.srrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE r.srsubid = s.oid), '[]') AS tables
  FROM pg_subscription s
  JOIN pg_database d ON d.oid = s.subdbid AND d.datname = current_database()
  LEFT JOIN pg_stat_subscription w ON w.subid = s.oid AND w.relid IS NULL
 WHERE s.subname = $1;
