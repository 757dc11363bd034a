-- Where each sequence stands: last_value is null until first used (or without privilege).
-- $1: schema names to skip.
SELECT schemaname AS schema, sequencename AS name, last_value::text AS last_value,
       start_value::text AS start_value, increment_by::text AS increment
  FROM pg_sequences
 WHERE schemaname <> ALL ($1::text[])
 ORDER BY 1, 2;
