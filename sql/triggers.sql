-- User triggers (not the internal ones behind FKs) of the given tables ($1: oids).
SELECT tg.tgrelid::int8 AS table_oid,
       tg.tgname AS name,
       tg.tgenabled::text AS enabled,
       pg_get_triggerdef(tg.oid) AS definition
  FROM pg_trigger tg
 WHERE tg.tgrelid = ANY ($1::oid[])
   AND NOT tg.tgisinternal
 ORDER BY tg.tgrelid, tg.tgname;
