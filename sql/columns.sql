-- Live columns of the given tables ($1: oids), in attnum order.
SELECT a.attrelid::int8 AS table_oid,
       a.attnum::int AS num,
       a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       a.attgenerated::text AS generated,
       a.attidentity::text AS identity,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
            THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = a.attcollation) END AS collation,
       t.typtype::text AS type_kind
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = ANY ($1::oid[])
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum;
