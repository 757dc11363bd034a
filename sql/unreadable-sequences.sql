-- Of the sequences ($1 schemas, $2 names, in pairs), those whose position the connecting role
-- cannot read.
SELECT s.schema, s.name
  FROM unnest($1::text[], $2::text[]) AS s (schema, name)
  JOIN pg_catalog.pg_namespace n ON n.nspname = s.schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.name AND c.relkind = 'S'
 WHERE NOT CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT') ELSE true END ORDER BY 1, 2;
