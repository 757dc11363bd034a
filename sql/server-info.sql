-- Facts about the server and the connecting role that planning and preflight need.
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_database() AS database,
       current_user AS role,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
       current_setting('wal_level') AS wal_level,
       current_setting('max_prepared_transactions')::int AS max_prepared_transactions,
       (SELECT extversion FROM pg_extension WHERE extname = 'postgres_fdw') AS fdw_installed,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgres_fdw') AS fdw_available,
       EXISTS (SELECT 1 FROM pg_foreign_data_wrapper w WHERE w.fdwname = 'postgres_fdw'
                  AND has_foreign_data_wrapper_privilege(w.oid, 'USAGE')) AS fdw_usage,
       (SELECT count(*) FROM pg_largeobject_metadata)::int8 AS large_objects,
       (SELECT array_agg(quote_ident(n.nspname) || '.' || quote_ident(m.relname) ORDER BY 1)
          FROM pg_class m JOIN pg_namespace n ON n.oid = m.relnamespace
         WHERE m.relkind = 'm') AS materialized_views;
