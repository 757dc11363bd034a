-- User triggers (not the internal ones behind FKs) of the given tables ($1: oids).
SELECT tg.tgrelid::int8 AS table_oid,
       tg.tgname AS name,
       tg.tgenabled::text AS enabled,
       -- tgtype bits (pg_trigger.h): 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE
       ARRAY_REMOVE(ARRAY[CASE WHEN tg.tgtype & 4 <> 0 THEN 'INSERT' END, CASE WHEN tg.tgtype & 8 <> 0 THEN 'DELETE' END,
                          CASE WHEN tg.tgtype & 16 <> 0 THEN 'UPDATE' END, CASE WHEN tg.tgtype & 32 <> 0 THEN 'TRUNCATE' END], NULL) AS events,
       pg_get_triggerdef(tg.oid) AS definition
  FROM pg_trigger tg
 WHERE tg.tgrelid = ANY ($1::oid[])
   AND NOT tg.tgisinternal
 ORDER BY tg.tgrelid, tg.tgname;
