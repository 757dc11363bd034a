/**
 * One batch, as docs/PROTOCOL.md describes it: read and copy (steps 1-2), then drain, reconcile
 * and delete (steps 3-4). Every step that must happen before another is awaited in that order.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { withTransaction } from '../sql/queryable.js';
import { StateError, isDatabaseError } from '../errors.js';
import type { MoveSql } from '../plan/move-sql.js';
import type { Key } from '../state/batches.js';
import { snapshotAges } from '../plan/snapshot-ages.js';
import { ident } from '../sql/quote.js';
import type { BatchRecord, BatchStore } from '../state/batches.js';
import { pipeCopy } from './copy-pipe.js';
import { crashPoint } from './crash-points.js';
import { waitForDrain, type DrainPoint, type Holdout } from './drain.js';
import { setLockTimeout } from './run-plan.js';

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
  stateSchema: string;
  schema: string;
  table: string;
  lockTimeoutMs: number;
  drainTimeoutMs: number;
}

/** A batch that could not finish now but is safe to retry (both copies kept). */
export class BatchDeferred extends Error {
  constructor(
    message: string,
    readonly holdouts: Holdout[] = [],
  ) {
    super(message);
  }
}

type KeyRow = Record<string, string>;

function keyOf(row: KeyRow, n: number): Key {
  return Array.from({ length: n }, (_, i) => row[`k${i}`]!);
}

const json = (k: Key | null) => (k ? JSON.stringify(k) : null);

/**
 * Runs `first` and then takes the transaction's own id, in one round trip: age(xmin) measures
 * from that id from then on (snapshot-ages.ts).
 */
async function withOwnId(db: pg.Client, ...first: string[]): Promise<string> {
  return (await statements<{ me: string }>(db, [...first, 'SELECT pg_catalog.txid_current()::text AS me'])).at(-1)!
    .rows[0]!.me;
}

/**
 * The checked delete's bound on waiting for a row the application holds on OLD. Short: while it
 * waits, the delete holds the batch's rows it already passed, and the application's transactions
 * that need them queue behind it (a wait that can even close a cycle through NEW, which neither
 * server sees). On the bound it rolls back and is retried after a pause (finishWithRetry).
 */
export const FAST_PATH_LOCK_TIMEOUT_MS = 100;

/** A copied batch and NEW's clock just after its commit: the drain's reference point. */
export type CopiedBatch = BatchRecord & { committed: DrainPoint };

/** A multi-statement query (no parameters: the simple protocol), one result per statement. */
async function statements<R extends pg.QueryResultRow>(
  db: pg.Client,
  sql: readonly string[],
): Promise<pg.QueryResult<R>[]> {
  return (await db.query(sql.join(';\n'))) as unknown as pg.QueryResult<R>[];
}

function lastKeyOf(ctx: MoveContext, row: KeyRow | undefined): { key: Key; snapshot: string } | null {
  return row ? { key: keyOf(row, ctx.sql.keyColumns.length), snapshot: row.snap! } : null;
}

/**
 * The key `limit` keys after `after` on OLD (or the last one up to `upper`, null: the table's
 * end), and the snapshot it was read in; null when the range holds no key.
 */
export async function keyAfter(
  ctx: MoveContext,
  after: Key | null,
  limit: number,
  upper: Key | null,
): Promise<{ key: Key; snapshot: string } | null> {
  return lastKeyOf(ctx, (await ctx.conns.old.query<KeyRow>(ctx.sql.readLastKey(after, limit, upper))).rows[0]);
}

/**
 * Steps 1-2: copies the next batch in (after, upper] from OLD into NEW. null when none is left.
 * Round trips are few and side by side: OLD's BEGIN and key lookup in one while NEW's BEGIN runs;
 * then the COPY; then NEW's record, COMMIT and clock read in one while OLD's read-only
 * transaction ends.
 */
export async function copyNextBatch(
  ctx: MoveContext,
  after: Key | null,
  limit: number,
  upper: Key | null = null,
): Promise<CopiedBatch | null> {
  const { old: oldDb, new: newDb } = ctx.conns;
  try {
    const [read] = await Promise.all([
      statements<KeyRow>(oldDb, [
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
        ctx.sql.readLastKey(after, limit, upper),
      ]),
      newDb.query('BEGIN'),
    ]);
    const found = lastKeyOf(ctx, read[1]!.rows[0]);
    if (!found) {
      await Promise.all([oldDb.query('COMMIT'), newDb.query('ROLLBACK')]);
      return null;
    }
    const { key: last, snapshot } = found;
    const copied = await pipeCopy(oldDb, ctx.sql.copyOutRange(after, last), newDb, ctx.sql.copyIn).catch(
      (err: unknown) => {
        throw isDatabaseError(err) && err.code === '23505' ? duplicateKeyError(ctx, err.detail) : err;
      },
    );
    const record = ctx.sql.recordBatch(ctx.stateSchema, {
      schema: ctx.schema,
      table: ctx.table,
      after,
      last,
      snapshot,
      copied,
    });
    const [done] = await Promise.all([
      statements<{ id: string; row_count: number; xid: string; t: string }>(newDb, [
        record,
        'COMMIT',
        'SELECT clock_timestamp()::text AS t',
      ]).catch((err: unknown) => {
        throw isDatabaseError(err) && err.code === '23502' && err.column === 'row_count'
          ? new Error(
              `${ctx.schema}.${ctx.table}: copied ${copied} rows but NEW's table holds a different number of them in the batch's range; nothing was committed`,
            )
          : err;
      }),
      oldDb.query('COMMIT'),
    ]);
    crashPoint('after-copy-commit');
    const rec = done[0]!.rows[0]!;
    return {
      id: rec.id,
      after,
      last,
      snapshot,
      rowCount: rec.row_count,
      committed: { at: done[2]!.rows[0]!.t, xid: rec.xid },
    };
  } catch (err) {
    await Promise.all([oldDb.query('ROLLBACK').catch(() => undefined), newDb.query('ROLLBACK').catch(() => undefined)]);
    throw err;
  }
}

function duplicateKeyError(ctx: MoveContext, detail: string | undefined): StateError {
  return new StateError(
    `${ctx.schema}.${ctx.table}: a row moving from OLD has a key that NEW's table already holds (${detail ?? 'duplicate key'}); nothing of this batch was committed`,
    {
      hint: 'the application inserted that key on NEW while the row was still on OLD (a unique index does not span the two; docs/SUPPORT.md): keep one of the two rows (DELETE FROM ONLY on NEW, or delete it on OLD) and re-run migrate',
    },
  );
}

/**
 * Steps 3-4 for a copied batch; for a batch found after a crash, pass since = now. Returns rows
 * moved. `fresh`: this run copied the batch and has not yet tried to finish it, so OLD cannot
 * hold its marker and the lookup is skipped; every other call looks first.
 */
export async function finishBatch(ctx: MoveContext, b: BatchRecord, since: DrainPoint, fresh = false): Promise<number> {
  const { old: oldDb, new: newDb } = ctx.conns;
  if (!fresh && (await ctx.store.deletedOnOld(oldDb, b.id))) {
    await ctx.store.markMoved(newDb, b.id);
    return b.rowCount;
  }
  const holdouts = await waitForDrain(newDb, since, ctx.conns.ownPids(), ctx.drainTimeoutMs);
  if (holdouts.length) {
    throw new BatchDeferred(
      `${holdouts.length} session(s) on NEW hold snapshots older than the copy (e.g. pid ${holdouts[0]!.pid}, ${holdouts[0]!.user}, ${holdouts[0]!.state} since ${holdouts[0]!.xactStart})`,
      holdouts,
    );
  }
  const fast = await deleteIfUnchanged(ctx, b);
  if (!fast) await reconcileAndDelete(ctx, b);
  crashPoint('after-old-delete');
  await ctx.store.markMoved(newDb, b.id);
  return b.rowCount;
}

/**
 * The common case, in one REPEATABLE READ transaction on OLD: one statement counts the range's
 * rows and those changed since the read snapshot and, only if exactly the batch's rows are there
 * unchanged, deletes the range and writes the marker; then commit. A row changed by another
 * transaction after this one's snapshot makes the DELETE fail with 40001 (retried). Otherwise
 * roll back: nothing happened.
 */
async function deleteIfUnchanged(ctx: MoveContext, b: BatchRecord): Promise<boolean> {
  const oldDb = ctx.conns.old;
  try {
    const ages = snapshotAges(
      b.snapshot,
      await withOwnId(
        oldDb,
        'BEGIN ISOLATION LEVEL REPEATABLE READ',
        setLockTimeout(Math.min(ctx.lockTimeoutMs, FAST_PATH_LOCK_TIMEOUT_MS)),
      ),
    );
    const r =
      ages &&
      (
        await oldDb.query<{ n: number; changed: number }>(ctx.sql.checkAndDelete(ctx.stateSchema), [
          json(b.after),
          json(b.last),
          ages.maxAge,
          ages.xipAges,
          b.rowCount,
          b.id,
        ])
      ).rows[0]!;
    if (!r || r.n !== b.rowCount || r.changed !== 0) {
      await oldDb.query('ROLLBACK');
      return false;
    }
    crashPoint('before-old-delete');
    await oldDb.query('COMMIT');
    return true;
  } catch (err) {
    await oldDb.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Rows of the batch changed or vanished on OLD since the read: lock the batch's rows, make NEW's
 * copies equal OLD's (OLD's version wins; a row gone from OLD goes from NEW), then delete.
 * Locks are taken in the order the application's writes take them: NEW's copies first (its
 * UPDATE through the parent table locks NEW's copy before OLD's row), then OLD's rows. A writer
 * holding a row on one server and waiting on the other therefore never waits on fdwmig in a
 * cycle, unless one of its statements locks several of the batch's rows; for that case both
 * waits have a lock_timeout, after which everything rolls back and the batch is retried.
 * A changed row's copy is updated in place, never deleted and inserted again: a writer waiting
 * on its lock then follows the update and changes the repaired row (docs/PROTOCOL.md, step 5).
 */
async function reconcileAndDelete(ctx: MoveContext, b: BatchRecord): Promise<void> {
  const keys = await ctx.store.keys(ctx.conns.new, b.id);
  // First without waiting on a lock, a few times: while fdwmig waits on one row, it holds the
  // others it took, and on a hot table every application transaction queues behind it.
  const deadline = Date.now() + Math.min(ctx.lockTimeoutMs, NOWAIT_SPAN_MS);
  for (let pause = 1; Date.now() < deadline; pause = Math.min(pause * 2, 16)) {
    try {
      return await reconcileOnce(ctx, b, keys, true);
    } catch (err) {
      if (!isDatabaseError(err) || err.code !== '55P03') throw err;
      await delay(pause);
    }
  }
  return reconcileOnce(ctx, b, keys, false);
}

/** How long the slow path keeps trying to take its locks without waiting on any (then it waits). */
const NOWAIT_SPAN_MS = 500;

async function reconcileOnce(ctx: MoveContext, b: BatchRecord, keys: readonly Key[], nowait: boolean): Promise<void> {
  const { old: oldDb, new: newDb } = ctx.conns;
  const n = ctx.sql.keyColumns.length;
  const params = [JSON.stringify(keys), json(b.after), json(b.last)];
  const timeout = setLockTimeout(ctx.lockTimeoutMs);
  let newOpen = false;
  try {
    await newDb.query('BEGIN');
    newOpen = true;
    await newDb.query(timeout);
    await newDb.query(ctx.sql.lockNewKeys(nowait), params);
    await withTransaction(oldDb, async () => {
      // A snapshot too old for 32-bit ages: every row counts as changed (one extra copy each).
      const ages = snapshotAges(b.snapshot, await withOwnId(oldDb, timeout)) ?? { maxAge: 2 ** 31 - 1, xipAges: [] };
      const rows = (
        await oldDb.query<KeyRow & { changed: boolean }>(ctx.sql.lockKeys(nowait), [
          ...params,
          ages.maxAge,
          ages.xipAges,
        ])
      ).rows;
      const present = new Map(rows.map((r) => [JSON.stringify(keyOf(r, n)), r.changed]));
      const gone = keys.filter((k) => !present.has(JSON.stringify(k)));
      const changed = keys.filter((k) => present.get(JSON.stringify(k)) === true);
      if (gone.length) await newDb.query(ctx.sql.deleteNewKeys, [JSON.stringify(gone), json(b.after), json(b.last)]);
      if (changed.length) await restage(ctx, changed, b);
      // NEW's copies are exact before OLD's delete can commit.
      await newDb.query('COMMIT');
      newOpen = false;
      if (gone.length || changed.length) crashPoint('after-repair');
      crashPoint('before-old-delete');
      await oldDb.query(ctx.sql.deleteOldKeys, params);
      await ctx.store.markDeletedOnOld(oldDb, b.id);
    });
  } catch (err) {
    if (newOpen) await newDb.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * In the open NEW transaction: OLD's current versions of the changed keys (their rows locked on
 * OLD) replace NEW's copies in place, through the session's staging table; a changed key with
 * no copy on NEW is inserted.
 */
async function restage(ctx: MoveContext, changed: readonly Key[], b: BatchRecord): Promise<void> {
  const { old: oldDb, new: newDb } = ctx.conns;
  try {
    await newDb.query(ctx.sql.createStage);
  } catch (err) {
    if (!isDatabaseError(err) || err.code !== '42501') throw err;
    throw new StateError(
      `${ctx.schema}.${ctx.table}: repairing a batch needs a temporary table on NEW, and the mover role may not create one (${err.message}); the batch stays copied, nothing was deleted`,
      {
        hint: `on NEW: GRANT TEMPORARY ON DATABASE ${ident(newDb.database ?? '')} TO ${ident(newDb.user ?? '')}, then re-run migrate`,
      },
    );
  }
  await pipeCopy(oldDb, ctx.sql.copyOutKeys(changed, b.after, b.last), newDb, ctx.sql.copyInStage);
  if (ctx.sql.updateFromStage) await newDb.query(ctx.sql.updateFromStage);
  await newDb.query(ctx.sql.insertFromStage);
  await newDb.query(ctx.sql.clearStage);
}
