-- replicate preflight, on OLD: per table, how UPDATE and DELETE identify a row in the change
-- stream ('d' primary key, 'i' a chosen index, 'f' the whole row, 'n' nothing), and whether the
-- role may publish (own) and copy (SELECT) it. $1: table oids.
SELECT c.oid::int8 AS table_oid,
       c.relreplident::text AS identity,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_identity_index,
       -- A partition's primary key is inherited from its parent: read it from the index itself.
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_primary_key,
       pg_has_role(c.relowner, 'USAGE') AS owns,
       has_table_privilege(c.oid, 'SELECT') AS can_select
  FROM pg_class c
 WHERE c.oid = ANY ($1::oid[]);
