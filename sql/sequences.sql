-- Sequences in user schemas with their position and, where a column owns one (serial or
-- identity), the owning table and column. $1: schema names to skip.
SELECT n.nspname AS schema,
       c.relname AS name,
       s.seqincrement::int8 AS increment,
       s.seqmin::text AS min_value,
       s.seqmax::text AS max_value,
       ps.last_value::text AS last_value,
       tn.nspname AS owner_schema,
       t.relname AS owner_table,
       a.attname AS owner_column,
       (d.deptype = 'i') AS is_identity
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_sequence s ON s.seqrelid = c.oid
  LEFT JOIN pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_class t ON t.oid = d.refobjid
  LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
  LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE c.relkind = 'S'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname <> ALL ($1::text[])
   AND NOT EXISTS (SELECT 1 FROM pg_depend e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY n.nspname, c.relname;
