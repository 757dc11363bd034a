/**
 * Line 1, the physical limit: `COPY t TO STDOUT` on OLD piped into `COPY t FROM STDIN` on NEW,
 * one statement per table into NEW's empty tables (primary keys present, FKs absent), tables in
 * parallel as fdwmig moves them (its default concurrency, 2). The rows go through fdwmig's own
 * pipe (exec/copy-pipe.ts: CopyData messages passed on as they are), the cheapest this process
 * knows, so that the line stays the limit for fdwmig's way of moving rows.
 */
import pLimit from 'p-limit';
import { closeClients } from '../../src/exec/connections.js';
import { pipeCopy } from '../../src/exec/copy-pipe.js';
import { qualified } from '../../src/sql/quote.js';
import { TABLES } from './dataset.js';
import { connectBench } from './servers.js';

export interface CopyResult {
  seconds: number;
  rows: number;
}

/** One table whole, OLD to NEW, in one COPY each side; the rows NEW received. */
export async function copyTable(oldUrl: string, newUrl: string, table: string): Promise<number> {
  const [src, dst] = await Promise.all([
    connectBench(oldUrl, 'fdwmig-bench-copy'),
    connectBench(newUrl, 'fdwmig-bench-copy'),
  ]);
  try {
    const name = qualified('public', table);
    return await pipeCopy(src, `COPY ${name} TO STDOUT`, dst, `COPY ${name} FROM STDIN`);
  } finally {
    await closeClients(src, dst);
  }
}

/** Copies every table; NEW's database must hold the empty schema without FKs. */
export async function runCopyBaseline(oldUrl: string, newUrl: string, concurrency: number): Promise<CopyResult> {
  const limit = pLimit(concurrency);
  const t0 = performance.now();
  const rows = await Promise.all(TABLES.map((t) => limit(() => copyTable(oldUrl, newUrl, t))));
  return { seconds: (performance.now() - t0) / 1000, rows: rows.reduce((a, b) => a + b, 0) };
}
