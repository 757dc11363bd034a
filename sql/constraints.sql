-- Primary, unique, foreign-key and check constraints of the given tables ($1: oids).
-- Key columns come back as names in key order.
SELECT con.conrelid::int8 AS table_oid,
       con.conname AS name,
       con.contype::text AS type,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
              ORDER BY k.pos) AS columns,
       rn.nspname AS ref_schema,
       r.relname AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
              ORDER BY k.pos) AS ref_columns,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       con.connoinherit AS no_inherit,
       pg_get_constraintdef(con.oid) AS definition
  FROM pg_constraint con
  LEFT JOIN pg_class r ON r.oid = con.confrelid
  LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE con.conrelid = ANY ($1::oid[])
   AND con.contype IN ('p', 'u', 'f', 'c')
   -- constraints a partition inherits from its parent are the parent's to report
   AND (con.conparentid = 0 OR con.contype = 'c')
 ORDER BY con.conrelid, con.contype, con.conname;
