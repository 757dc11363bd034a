/** Streams COPY ... TO STDOUT on one server into COPY ... FROM STDIN on another: flat memory. */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

/** Pipes rows from src to dst; resolves to the number of rows dst received. */
export async function pipeCopy(src: pg.Client, copyOutSql: string, dst: pg.Client, copyInSql: string): Promise<number> {
  const out = src.query(copyStreams.to(copyOutSql));
  const into = dst.query(copyStreams.from(copyInSql));
  await pipeline(out, into);
  return into.rowCount ?? 0;
}
