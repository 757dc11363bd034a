-- replicate status, on OLD: the slot and how far the subscriber has confirmed. $1: slot name.
-- lag_bytes: WAL written on OLD that NEW has not yet confirmed as applied and flushed.
SELECT pg_current_wal_lsn()::text AS current_lsn,
       s.confirmed_flush_lsn::text AS confirmed_flush_lsn,
       s.active,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::int8 AS lag_bytes
  FROM pg_replication_slots s
 WHERE s.slot_name = $1;
