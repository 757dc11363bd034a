-- fdwmig's objects on NEW, for cleanup. $1: state schema, $2: foreign server name,
-- $3: the state's tables as a jsonb array of [schema, remote name].
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
       ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1) AS state_tables,
       EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = $2) AS server_exists,
       ARRAY(SELECT um.usename::text FROM pg_user_mappings um WHERE um.srvname = $2 ORDER BY 1) AS mapped_roles,
       ARRAY(SELECT json_build_array(n.nspname, c.relname)::text
               FROM pg_foreign_table ft
               JOIN pg_class c ON c.oid = ft.ftrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_foreign_server s ON s.oid = ft.ftserver
              WHERE s.srvname = $2
                AND EXISTS (SELECT 1 FROM jsonb_array_elements($3::jsonb) x
                             WHERE x->>0 = n.nspname AND x->>1 = c.relname)
              ORDER BY n.nspname, c.relname) AS foreign_tables,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgres_fdw') AS extension_installed,
       ARRAY(SELECT s.srvname::text FROM pg_foreign_server s
               JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
              WHERE w.fdwname = 'postgres_fdw' AND s.srvname <> $2 ORDER BY 1) AS other_servers;
