-- fdwmig's foreign server, its user mappings and foreign tables on NEW. $1: the server's name.
SELECT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = $1) AS server_exists,
       ARRAY(SELECT um.usename::text FROM pg_user_mappings um WHERE um.srvname = $1) AS mapped_roles,
       ARRAY(SELECT json_build_object(
                      'name', n.nspname || '.' || c.relname,
                      'parent', (SELECT pn.nspname || '.' || p.relname
                                   FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                                   JOIN pg_namespace pn ON pn.oid = p.relnamespace
                                  WHERE i.inhrelid = c.oid LIMIT 1))::text
               FROM pg_foreign_table ft
               JOIN pg_class c ON c.oid = ft.ftrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_foreign_server s ON s.oid = ft.ftserver
              WHERE s.srvname = $1) AS foreign_tables;
