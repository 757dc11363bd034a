/**
 * `replicate start --snapshot`: the slot is created over a replication connection with an
 * exported snapshot, and the tables are copied from that snapshot in parallel while the
 * connection stays open (the snapshot lives as long as it does). Every change after the
 * snapshot is in the slot, so the subscription then streams from exactly where the copy ends.
 *
 * NEW's copies are committed only when every table copied: a failure leaves NEW as it was.
 */
import type pg from 'pg';
import type { ServerSide } from '../errors.js';
import { closeClient, closeClients, connect } from '../exec/connections.js';
import { pipeCopy } from '../exec/copy-pipe.js';
import { prepareMoverSession } from '../exec/mover-session.js';
import type { TableModel } from '../introspect/model.js';
import { qualifiedName } from '../introspect/model.js';
import { identList, ident, literal, qualified } from '../sql/quote.js';
import type { ReplicationNames } from './plan-replication.js';

/** The replication-protocol command; the slot name passed the config's [a-z0-9_] rule. */
export function createSlotCommand(names: ReplicationNames): string {
  return `CREATE_REPLICATION_SLOT ${ident(names.slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`;
}

/** COPY out of OLD and into NEW for one table: every column but generated ones (NEW computes those). */
export function copyStatements(t: TableModel): { out: string; into: string } {
  const cols = identList(t.columns.filter((c) => c.generated === '').map((c) => c.name));
  const name = qualified(t.schema, t.name);
  return { out: `COPY (SELECT ${cols} FROM ONLY ${name}) TO STDOUT`, into: `COPY ${name} (${cols}) FROM STDIN` };
}

export interface ExportedSlot {
  /** Where the slot starts: the subscription streams every change after it. */
  consistentPoint: string;
  snapshotName: string;
  /** Ends the replication connection, and with it the snapshot. */
  close(): Promise<void>;
}

/** Opens a `replication=database` connection to OLD and creates the slot, exporting its snapshot. */
export async function createExportedSlot(oldUrl: string, names: ReplicationNames): Promise<ExportedSlot> {
  const client = await connect(oldUrl, 'OLD', 'fdwmig replicate', { replication: 'database' });
  try {
    const r = await client.query<{ consistent_point: string; snapshot_name: string }>(createSlotCommand(names));
    const row = r.rows[0]!;
    return {
      consistentPoint: row.consistent_point,
      snapshotName: row.snapshot_name,
      close: () => closeClient(client),
    };
  } catch (err) {
    await closeClient(client);
    throw err;
  }
}

/** One table's copy: done, failed (error says why), or not run because another failed first. */
export interface TableCopyResult {
  table: string;
  status: 'copied' | 'failed' | 'not-run';
  rows: number;
  seconds: number;
  error?: string;
}

export interface SnapshotCopyInput {
  oldUrl: string;
  newUrl: string;
  snapshotName: string;
  tables: readonly TableModel[];
  concurrency: number;
  connect(url: string, which: ServerSide): Promise<pg.Client>;
  now(): number;
  onTable?(r: TableCopyResult): void;
}

interface Worker {
  old: pg.Client;
  new: pg.Client;
}

async function openWorker(input: SnapshotCopyInput): Promise<Worker> {
  const old = await input.connect(input.oldUrl, 'OLD');
  const dst = await input.connect(input.newUrl, 'NEW').catch(async (err: unknown) => {
    await closeClient(old);
    throw err;
  });
  try {
    // Text COPY is exact between majors only when both sides print and read values alike.
    await prepareMoverSession(old, false);
    await prepareMoverSession(dst, true);
    await old.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await old.query(`SET TRANSACTION SNAPSHOT ${literal(input.snapshotName)}`);
    await dst.query('BEGIN');
    return { old, new: dst };
  } catch (err) {
    await closeClients(old, dst);
    throw err;
  }
}

/**
 * Copies every table from the exported snapshot, `concurrency` at a time, largest first. Commits
 * NEW's side only if all copied; returns a result per table either way.
 */
export async function copyFromSnapshot(input: SnapshotCopyInput): Promise<TableCopyResult[]> {
  const queue = [...input.tables].sort((a, b) => b.estimatedRows - a.estimatedRows);
  const results = new Map<string, TableCopyResult>(
    input.tables.map((t) => [qualifiedName(t), { table: qualifiedName(t), status: 'not-run', rows: 0, seconds: 0 }]),
  );
  const workers: Worker[] = [];
  let failed = false;
  const run = async () => {
    let w: Worker;
    try {
      w = await openWorker(input);
    } catch (err) {
      failed = true;
      throw err;
    }
    workers.push(w);
    for (let t = queue.shift(); t && !failed; t = queue.shift()) {
      const started = input.now();
      const sql = copyStatements(t);
      try {
        const rows = await pipeCopy(w.old, sql.out, w.new, sql.into);
        const r: TableCopyResult = {
          table: qualifiedName(t),
          status: 'copied',
          rows,
          seconds: (input.now() - started) / 1000,
        };
        results.set(r.table, r);
        input.onTable?.(r);
      } catch (err) {
        failed = true;
        results.set(qualifiedName(t), {
          table: qualifiedName(t),
          status: 'failed',
          rows: 0,
          seconds: (input.now() - started) / 1000,
          error: (err as Error).message,
        });
      }
    }
  };
  const n = Math.max(1, Math.min(input.concurrency, input.tables.length));
  const outcomes = await Promise.allSettled(Array.from({ length: n }, run));
  const setupError = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  const ok = !failed && !setupError;
  try {
    for (const w of workers) await w.new.query(ok ? 'COMMIT' : 'ROLLBACK');
  } finally {
    await closeClients(...workers.flatMap((w) => [w.old, w.new]));
  }
  if (setupError) throw setupError.reason;
  return [...results.values()];
}
