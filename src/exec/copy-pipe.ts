/** Streams COPY ... TO STDOUT on one server into COPY ... FROM STDIN on another: flat memory. */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { cutConnection } from './connections.js';
import { RawCopyIn, RawCopyOut } from './raw-copy.js';

/**
 * Pipes rows from src to dst; resolves to the number of rows dst received. A connection that
 * dies mid-COPY (a server's immediate shutdown) does not always end the COPY streams by itself;
 * losing either client destroys both streams, so the pipe always settles. A COPY TO abandoned
 * before its end leaves src unusable (its server still sending, its socket paused by the
 * stream's backpressure, every later query on it waiting forever), so src is then cut.
 */
export async function pipeCopy(src: pg.Client, copyOutSql: string, dst: pg.Client, copyInSql: string): Promise<number> {
  // CopyData messages pass from src to dst as they are (raw-copy.ts).
  const out = src.query(new RawCopyOut(copyOutSql));
  const into = dst.query(new RawCopyIn(copyInSql));
  const gone = (which: string) => () => {
    const err = new Error(`connection lost during COPY (${which})`);
    out.destroy(err);
    into.destroy(err);
  };
  const onSrc = gone('source');
  const onDst = gone('destination');
  for (const [c, f] of [
    [src, onSrc],
    [dst, onDst],
  ] as const) {
    c.once('end', f);
    c.once('error', f);
  }
  let outEnded = false;
  out.once('end', () => {
    outEnded = true;
  });
  try {
    await pipeline(out, into);
    return into.rowCount ?? 0;
  } catch (err) {
    if (!outEnded) cutConnection(src);
    throw err;
  } finally {
    for (const [c, f] of [
      [src, onSrc],
      [dst, onDst],
    ] as const) {
      c.removeListener('end', f);
      c.removeListener('error', f);
    }
  }
}
