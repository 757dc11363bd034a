-- Tables fdwmig considers: ordinary, partitioned and their partitions, in user schemas,
-- not owned by an extension, not foreign. $1: schema names to skip (the state schema).
-- Run with search_path = pg_catalog so that every user name comes back schema-qualified.
SELECT c.oid::int8 AS oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       c.relispartition AS is_partition,
       GREATEST(c.reltuples, 0)::int8 AS estimated_rows,
       (SELECT array_agg(pn.nspname || '.' || p.relname ORDER BY p.relname)
          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid) AS parents,
       (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)::int AS child_count,
       c.relrowsecurity AS row_security
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%'
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname <> ALL ($1::text[])
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY n.nspname, c.relname;
