-- What the connecting role may do beyond its tables: temporary tables (migrate's repair stage),
-- reading other roles' activity (migrate's drain waits by transaction start with it; the
-- deadlock guard sees other roles' lock waits) and cancelling their statements (the guard).
SELECT pg_catalog.has_database_privilege(current_database(), 'TEMPORARY') AS temp,
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
       pg_catalog.pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend;
