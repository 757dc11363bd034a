-- Per-table privileges of the connecting role. $1: oids. On OLD fdwmig reads and deletes moved
-- rows; on NEW it must own the tables (ALTER ... INHERIT, DROP/ADD CONSTRAINT).
SELECT c.oid::int8 AS table_oid,
       has_table_privilege(c.oid, 'SELECT') AS can_select,
       has_table_privilege(c.oid, 'DELETE') AS can_delete,
       pg_has_role(c.relowner, 'USAGE') AS owns
  FROM pg_class c
 WHERE c.oid = ANY ($1::oid[]);
