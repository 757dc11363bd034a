-- Who holds locks on the tables $1 (qualified names, quoted as regclass input), other than this
-- session: what a DDL step of fdwmig's waited for. Details of other roles' sessions need
-- pg_read_all_stats.
SELECT DISTINCT a.pid, coalesce(a.application_name, '') AS app, coalesce(a.state, 'state hidden') AS state,
       left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 80) AS query
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_catalog.pg_backend_pid()
   AND l.relation IN (SELECT pg_catalog.to_regclass(x) FROM unnest($1::text[]) AS x)
 ORDER BY a.pid
 LIMIT 3;
