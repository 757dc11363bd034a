-- OLD's marker schema, for cleanup. $1: its name (the state schema's).
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = 'moved_batches' AND c.relkind = 'r') AS table_exists;
