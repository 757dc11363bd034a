-- Of the schemas $1, those on which the connecting role lacks privilege $2 (USAGE or CREATE);
-- looked up by OID: asking needs no USAGE.
SELECT nspname AS name FROM pg_catalog.pg_namespace
 WHERE nspname = ANY ($1::text[]) AND NOT has_schema_privilege(oid, $2) ORDER BY 1;
