/**
 * The design floor: the least that moving rows the way fdwmig does (key-range batches, each its
 * own NEW transaction, then deleted on OLD) costs on these servers, without any of fdwmig's
 * safety or fixed costs: no process start, no catalogs read, no batch record, no drain, no
 * yielding. Per keyed table, OLD's rows are read once in key order in one REPEATABLE READ
 * transaction, cut every `batch` rows into COPY ... FROM STDIN transactions on `copiers` NEW
 * sessions and, with `deleteOnOld`, each committed batch is deleted on OLD by its key span in a
 * REPEATABLE READ transaction that counts the span first (the shape of fdwmig's checked delete).
 * A table without a key is copied whole, as the copy line does. Bench only: integer keys.
 */
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { closeClients } from '../../src/exec/connections.js';
import { RawCopyIn, RawCopyOut } from '../../src/exec/raw-copy.js';
import { ident, qualified } from '../../src/sql/quote.js';
import { copyTable } from './copy-baseline.js';
import { connectBench } from './servers.js';

export interface FloorOptions {
  batch: number;
  copiers: number;
  deleteOnOld: boolean;
}

/** A batch cut from the stream: whole CopyData messages, and its first and last key as printed. */
interface Batch {
  chunks: Buffer[];
  lo: string;
  hi: string;
  rows: number;
}

const HEADER = 5;
const APP = 'fdwmig-bench-floor';

/** The first field of a text-format CopyData message (the key: it is selected first). */
function firstField(msg: Buffer): string {
  const tab = msg.indexOf(9, HEADER);
  const key = msg.subarray(HEADER, tab < 0 ? msg.length - 1 : tab).toString();
  if (!/^-?\d+$/.test(key))
    throw new Error(`the floor line takes integer keys; got ${JSON.stringify(key.slice(0, 40))}`);
  return key;
}

/** Cuts runs of whole CopyData messages (RawCopyOut's output) into batches of `size` rows. */
export async function* cutBatches(stream: AsyncIterable<Buffer>, size: number): AsyncGenerator<Batch> {
  let chunks: Buffer[] = [];
  let lo = '';
  let rows = 0;
  let last: Buffer | null = null;
  for await (const run of stream) {
    let pos = 0;
    let from = 0;
    while (pos < run.length) {
      const end = pos + 1 + run.readUInt32BE(pos + 1);
      const msg = run.subarray(pos, end);
      if (rows === 0) lo = firstField(msg);
      rows++;
      last = msg;
      pos = end;
      if (rows === size) {
        chunks.push(run.subarray(from, end));
        yield { chunks, lo, hi: firstField(msg), rows };
        chunks = [];
        rows = 0;
        from = end;
      }
    }
    if (from < run.length) chunks.push(run.subarray(from));
  }
  if (rows) yield { chunks, lo, hi: firstField(last!), rows };
}

async function columnsOf(db: pg.Client, table: string): Promise<string[]> {
  const r = await db.query<{ c: string }>(
    'SELECT attname AS c FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
    [qualified('public', table)],
  );
  return r.rows.map((x) => x.c);
}

/** One table: read once in key order, copied in batches, each batch deleted on OLD after its commit. */
async function moveTable(oldUrl: string, newUrl: string, table: string, key: string, o: FloorOptions): Promise<number> {
  const reader = await connectBench(oldUrl, APP);
  const deleter = await connectBench(oldUrl, APP);
  const copiers = await Promise.all(Array.from({ length: o.copiers }, () => connectBench(newUrl, APP)));
  try {
    // As fdwmig's movers: OLD's FK checks and triggers do not fire on the delete.
    await deleter.query("SET session_replication_role = 'replica'");
    const name = qualified('public', table);
    const cols = [key, ...(await columnsOf(reader, table)).filter((c) => c !== key)].map(ident).join(', ');
    const span = `${ident(key)} BETWEEN $1 AND $2`;
    const checkedDelete = `WITH counted AS (SELECT count(*)::int AS n FROM ONLY ${name} WHERE ${span}),
deleted AS (DELETE FROM ONLY ${name} WHERE ${span} AND (SELECT n FROM counted) = $3)
SELECT n FROM counted`;
    let deletes = Promise.resolve();
    const finish = (b: Batch) => {
      deletes = deletes.then(async () => {
        await deleter.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        const n = (await deleter.query<{ n: number }>(checkedDelete, [b.lo, b.hi, b.rows])).rows[0]!.n;
        if (n !== b.rows) throw new Error(`${table} [${b.lo}..${b.hi}]: OLD holds ${n} rows, the batch ${b.rows}`);
        await deleter.query('COMMIT');
      });
      deletes.catch(() => undefined); // awaited at the end; handled meanwhile
    };
    const copy = async (db: pg.Client, b: Batch) => {
      await db.query('BEGIN');
      await pipeline(Readable.from(b.chunks), db.query(new RawCopyIn(`COPY ${name} (${cols}) FROM STDIN`)));
      await db.query('COMMIT');
      if (o.deleteOnOld) finish(b);
    };
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const out = reader.query(
      new RawCopyOut(`COPY (SELECT ${cols} FROM ONLY ${name} ORDER BY ${ident(key)}) TO STDOUT`),
    );
    const busy: Promise<void>[] = copiers.map(() => Promise.resolve());
    let rows = 0;
    let i = 0;
    for await (const b of cutBatches(out, o.batch)) {
      const k = i++ % copiers.length;
      await busy[k];
      busy[k] = copy(copiers[k]!, b);
      busy[k]!.catch(() => undefined); // awaited when the slot is next used, or at the end
      rows += b.rows;
    }
    await Promise.all(busy);
    await reader.query('COMMIT');
    await deletes;
    return rows;
  } finally {
    await closeClients(reader, deleter, ...copiers);
  }
}

/** Moves every table one after the other (`keys`: each table's integer key column, or null); seconds and rows. */
export async function runFloor(
  oldUrl: string,
  newUrl: string,
  keys: Record<string, string | null>,
  o: FloorOptions,
): Promise<{ seconds: number; rows: number }> {
  const t0 = performance.now();
  let rows = 0;
  for (const [table, key] of Object.entries(keys))
    rows += key ? await moveTable(oldUrl, newUrl, table, key, o) : await copyTable(oldUrl, newUrl, table);
  return { seconds: (performance.now() - t0) / 1000, rows };
}
