-- Identifies a database across connections and addresses: the cluster's system identifier
-- (pg_control_system() is executable by any role) and the database name.
SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
       current_database() AS database;
