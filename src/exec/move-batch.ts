/**
 * One batch, as docs/PROTOCOL.md describes it: read and copy (steps 1-2), then drain, reconcile
 * and delete (steps 3-4). Every step that must happen before another is awaited in that order.
 */
import type pg from 'pg';
import type { Key, MoveSql } from '../plan/move-sql.js';
import type { BatchStore } from './batch-store.js';
import { pipeCopy } from './copy-pipe.js';
import { crashPoint } from './crash-points.js';
import { waitForDrain, type Holdout } from './drain.js';

export interface MoverConns {
  old: pg.Client;
  new: pg.Client;
  /** Every fdwmig session on NEW, excluded from the drain. */
  ownPids: () => readonly number[];
}

export interface MoveContext {
  conns: MoverConns;
  sql: MoveSql;
  store: BatchStore;
  schema: string;
  table: string;
  lockTimeoutMs: number;
  drainTimeoutMs: number;
}

/** A batch that could not finish now but is safe to retry (both copies kept). */
export class BatchDeferred extends Error {
  constructor(message: string, readonly holdouts: Holdout[] = []) {
    super(message);
  }
}

type KeyRow = Record<string, string>;

function keyOf(row: KeyRow, n: number): Key {
  return Array.from({ length: n }, (_, i) => row[`k${i}`]!);
}

async function inTransaction<T>(db: pg.Client, begin: string, fn: () => Promise<T>): Promise<T> {
  await db.query(begin);
  try {
    const r = await fn();
    await db.query('COMMIT');
    return r;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export interface CopiedBatch {
  id: string;
  keys: Key[];
  versions: string[];
  /** NEW's clock just after the copy committed: the drain's reference point. */
  committedAt: string;
}

/** Steps 1-2: reads the next batch after `after` on OLD and copies it into NEW. null when none is left. */
export async function copyNextBatch(ctx: MoveContext, after: Key | null, limit: number): Promise<CopiedBatch | null> {
  const { old: oldDb, new: newDb } = ctx.conns;
  const n = ctx.sql.keyColumns.length;
  return inTransaction(oldDb, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async () => {
    const rows = (await oldDb.query<KeyRow>(ctx.sql.readKeys, [after ? JSON.stringify(after) : null, limit])).rows;
    if (rows.length === 0) return null;
    const keys = rows.map((r) => keyOf(r, n));
    const versions = rows.map((r) => r.v!);
    const id = await inTransaction(newDb, 'BEGIN', async () => {
      const copied = await pipeCopy(oldDb, ctx.sql.copyOutRange(after, keys[keys.length - 1]!), newDb, ctx.sql.copyIn);
      if (copied !== keys.length) throw new Error(`copied ${copied} rows for ${keys.length} keys (${ctx.schema}.${ctx.table}); nothing was committed`);
      return ctx.store.record(newDb, ctx.schema, ctx.table, keys, versions);
    });
    crashPoint('after-copy-commit');
    const committedAt = (await newDb.query<{ t: string }>('SELECT clock_timestamp()::text AS t')).rows[0]!.t;
    return { id, keys, versions, committedAt };
  });
}

/** Steps 3-4 for a copied batch; for a batch found after a crash, pass since = now. Returns rows moved. */
export async function finishBatch(ctx: MoveContext, b: { id: string; keys: Key[]; versions: string[] }, since: string): Promise<number> {
  const { old: oldDb, new: newDb } = ctx.conns;
  if (await ctx.store.deletedOnOld(oldDb, b.id)) {
    await ctx.store.markMoved(newDb, b.id);
    return b.keys.length;
  }
  const holdouts = await waitForDrain(newDb, since, ctx.conns.ownPids(), ctx.drainTimeoutMs);
  if (holdouts.length) {
    throw new BatchDeferred(`${holdouts.length} session(s) on NEW hold snapshots older than the copy (e.g. pid ${holdouts[0]!.pid}, ${holdouts[0]!.state} since ${holdouts[0]!.xactStart})`, holdouts);
  }
  if (b.keys.length === 0) {
    await ctx.store.markMoved(newDb, b.id);
    return 0;
  }
  const n = ctx.sql.keyColumns.length;
  const first = b.keys[0]!;
  const last = b.keys[b.keys.length - 1]!;
  const params = [JSON.stringify(b.keys), JSON.stringify(first), JSON.stringify(last)];
  await inTransaction(oldDb, 'BEGIN', async () => {
    const current = new Map((await oldDb.query<KeyRow>(ctx.sql.lockKeys, params)).rows.map((r) => [JSON.stringify(keyOf(r, n)), r.v!]));
    const stale: Key[] = [];
    const changed: Key[] = [];
    b.keys.forEach((k, i) => {
      const v = current.get(JSON.stringify(k));
      if (v === undefined) stale.push(k);
      else if (v !== b.versions[i]) { stale.push(k); changed.push(k); }
    });
    if (stale.length) await repairNewCopies(ctx, stale, changed);
    crashPoint('before-old-delete');
    await oldDb.query(ctx.sql.deleteOldKeys, params);
    await ctx.store.markDeletedOnOld(oldDb, b.id);
  });
  crashPoint('after-old-delete');
  await ctx.store.markMoved(newDb, b.id);
  return b.keys.length;
}

/**
 * Replaces NEW's copies of keys that changed on OLD since the copy (OLD's version wins) and drops
 * NEW's copies of keys an application statement deleted on OLD. Runs while OLD's rows are
 * locked, and commits before OLD's delete.
 */
async function repairNewCopies(ctx: MoveContext, stale: Key[], changed: Key[]): Promise<void> {
  const { old: oldDb, new: newDb } = ctx.conns;
  await inTransaction(newDb, 'BEGIN', async () => {
    // A writer may hold NEW's copy while it waits for OLD's row we hold: do not wait on it.
    await newDb.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(ctx.lockTimeoutMs))}`);
    await newDb.query(ctx.sql.deleteNewKeys, [JSON.stringify(stale), JSON.stringify(stale[0]), JSON.stringify(stale[stale.length - 1])]);
    if (changed.length) {
      await pipeCopy(oldDb, ctx.sql.copyOutKeys(changed, changed[0]!, changed[changed.length - 1]!), newDb, ctx.sql.copyIn);
    }
  });
  crashPoint('after-repair');
}
