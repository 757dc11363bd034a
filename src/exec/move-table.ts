/**
 * Moves one table batch by batch until OLD holds none of its rows, finishing first any batch a
 * previous run left copied. Resumable at any point (docs/PROTOCOL.md).
 */
import { isDatabaseError } from '../errors.js';
import type { Key } from '../plan/move-sql.js';
import type { BatchRecord } from './batch-store.js';
import { BatchDeferred, copyNextBatch, finishBatch, type MoveContext } from './move-batch.js';

/** Errors after which a batch is safe to retry as is: it stays copied, OLD keeps its rows. */
const RETRYABLE = new Set(['55P03', '40001', '40P01']);
const MAX_FINISH_ATTEMPTS = 8;
/** Full passes over OLD's keys; a row whose key the application changed may need another. */
const MAX_PASSES = 5;

export interface TableProgress {
  moved: number;
  total: number;
}

export interface MoveTableOptions {
  batchSize: number;
  /** Rows per second this table may move at most; 0 for no cap. */
  maxRowsPerSecond?: number;
  signal?: AbortSignal;
  onBatch?: (p: TableProgress) => void;
  onNote?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export type MoveTableOutcome = { status: 'moved' | 'stopped'; moved: number };

async function finishWithRetry(ctx: MoveContext, b: BatchRecord, since: () => Promise<string>, o: MoveTableOptions): Promise<number> {
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await finishBatch(ctx, b, await since());
    } catch (err) {
      const retryable = err instanceof BatchDeferred || (isDatabaseError(err) && RETRYABLE.has(err.code ?? ''));
      if (!retryable || attempt >= MAX_FINISH_ATTEMPTS) throw err;
      o.onNote?.(`batch ${b.id} of ${ctx.schema}.${ctx.table} waits (${(err as Error).message}); retry ${attempt}`);
      await sleep(Math.min(50 * 2 ** attempt, 2_000));
    }
  }
}

async function nowOnNew(ctx: MoveContext): Promise<string> {
  return (await ctx.conns.new.query<{ t: string }>('SELECT clock_timestamp()::text AS t')).rows[0]!.t;
}

async function countOld(ctx: MoveContext): Promise<number> {
  return Number((await ctx.conns.old.query<{ n: string }>(ctx.sql.countOld)).rows[0]!.n);
}

/**
 * Moves every row of one table. Two pairs of connections form a two-stage pipeline: while one
 * batch is drained, reconciled and deleted (finisher), the next is read and copied (copier).
 * Batches are disjoint key ranges, so the order in which they finish does not matter.
 */
export async function moveTable(ctx: MoveContext, copier: MoveContext, o: MoveTableOptions): Promise<MoveTableOutcome> {
  let moved = 0;
  // A batch left copied by an earlier run: its copy may predate any snapshot, so drain from now.
  for (const open of await ctx.store.open(ctx.conns.new, ctx.schema, ctx.table)) {
    moved += await finishWithRetry(ctx, open, () => nowOnNew(ctx), o);
  }
  const total = moved + (await countOld(ctx));
  o.onBatch?.({ moved, total });
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    let after: Key | null = null;
    let finishing: Promise<number> | null = null;
    const settle = async () => {
      if (!finishing) return;
      const p = finishing;
      finishing = null;
      moved += await p;
      o.onBatch?.({ moved, total: Math.max(total, moved) });
    };
    const startedAt = Date.now();
    const movedAtStart = moved;
    const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    try {
      for (;;) {
        if (o.maxRowsPerSecond) {
          // Wait until the rows moved so far in this pass fit the cap.
          const due = startedAt + ((moved - movedAtStart) / o.maxRowsPerSecond) * 1000;
          if (due > Date.now()) await sleep(due - Date.now());
        }
        if (o.signal?.aborted) {
          await settle();
          return { status: 'stopped', moved };
        }
        const b = await copyNextBatch(copier, after, o.batchSize);
        await settle();
        if (!b) break;
        finishing = finishWithRetry(ctx, b, async () => b.committedAt, o);
        // Observed by settle(); this keeps a failure meanwhile from being reported as unhandled.
        finishing.catch(() => undefined);
        after = b.last;
      }
    } finally {
      // Never leave a batch's finish running behind an error: wait for it, keep the first error.
      await (finishing as Promise<number> | null)?.catch(() => undefined);
    }
    if ((await countOld(ctx)) === 0) return { status: 'moved', moved };
  }
  throw new Error(`${ctx.schema}.${ctx.table}: rows keep appearing on OLD after ${MAX_PASSES} passes; is something still writing to OLD directly?`);
}
