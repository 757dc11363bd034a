/**
 * Moves one table batch by batch until OLD holds none of its rows, finishing first any batch a
 * previous run left copied. Resumable at any point (docs/PROTOCOL.md). A large table is split
 * into key ranges moved side by side, so that more than one NEW backend ingests it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isDatabaseError } from '../errors.js';
import { splitCount } from '../plan/split.js';
import type { BatchRecord } from '../state/batches.js';
import type { AppYield } from './app-activity.js';
import type { DrainPoint } from './drain.js';
import { answerSplit, estimateOld, segmentsAt, splitPoints, valueSplit, type Segment } from './key-ranges.js';
import { BatchDeferred, copyNextBatch, finishBatch, type MoveContext } from './move-batch.js';
import { countRows } from './count-rows.js';

/** Errors after which a batch is safe to retry as is: it stays copied, OLD keeps its rows. */
const RETRYABLE = new Set(['55P03', '40001', '40P01']);
const MAX_FINISH_ATTEMPTS = 8;
/** Full passes over OLD's keys; a row whose key the application changed may need another. */
const MAX_PASSES = 5;

export interface TableProgress {
  moved: number;
  total: number;
}

/**
 * Two pairs of connections form a two-stage pipeline: while one batch is drained, reconciled
 * and deleted (finisher), the next is read and copied (copier).
 */
export interface Pipe {
  finisher: MoveContext;
  copier: MoveContext;
}

/** Runs fn with a pipe of its own once a worker slot is free (migrate's --concurrency). */
export type RunPipe = <T>(fn: (pipe: Pipe) => Promise<T>) => Promise<T>;

export interface MoveTableOptions {
  /** Rows per batch (while the application is busy, with yieldTo). */
  batchSize: number;
  /** Rows per batch while yieldTo finds the application quiet (default: batchSize). */
  quietBatchSize?: number;
  /** Key ranges this table may be split into at most (1: never split). */
  maxSegments?: number;
  /** Rows per second this table may move at most; 0 for no cap. */
  maxRowsPerSecond?: number;
  /** Shared by every pipeline of the run: one at a time, with rests, while the application is busy. */
  yieldTo?: AppYield;
  signal?: AbortSignal;
  onBatch?: (p: TableProgress) => void;
  onNote?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export type MoveTableOutcome = { status: 'moved' | 'stopped'; moved: number };

const defaultSleep = (ms: number): Promise<void> => delay(ms);

/** `fresh`: copied by this run and not yet tried (finishBatch). A retry always looks for OLD's marker. */
async function finishWithRetry(
  ctx: MoveContext,
  b: BatchRecord,
  since: () => Promise<DrainPoint>,
  o: MoveTableOptions,
  fresh = false,
): Promise<number> {
  const sleep = o.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await finishBatch(ctx, b, await since(), fresh && attempt === 1);
    } catch (err) {
      const retryable = err instanceof BatchDeferred || (isDatabaseError(err) && RETRYABLE.has(err.code ?? ''));
      if (!retryable || attempt >= MAX_FINISH_ATTEMPTS) throw err;
      o.onNote?.(`batch ${b.id} of ${ctx.schema}.${ctx.table} waits (${(err as Error).message}); retry ${attempt}`);
      await sleep(Math.min(50 * 2 ** attempt, 2_000));
    }
  }
}

/** Now on NEW, as a drain point: the clock, and the next transaction id to be assigned. */
async function nowOnNew(ctx: MoveContext): Promise<DrainPoint> {
  const r = await ctx.conns.new.query<{ t: string; xid: string }>(
    'SELECT clock_timestamp()::text AS t, pg_catalog.txid_snapshot_xmax(pg_catalog.txid_current_snapshot())::text AS xid',
  );
  return { at: r.rows[0]!.t, xid: r.rows[0]!.xid };
}

async function countOld(ctx: MoveContext): Promise<number> {
  return (await countRows(ctx.conns.old, [{ schema: ctx.schema, name: ctx.table }]))[0]!;
}

interface Shared {
  moved: number;
  total: number;
}

/**
 * Moves every row of one range, batch after batch, in one pipe: while batch i is drained and
 * deleted (finisher), batch i+1 is read and copied (copier). Returns 'stopped' on abort.
 */
async function moveRange(
  { copier, finisher }: Pipe,
  seg: Segment,
  shared: Shared,
  o: MoveTableOptions,
  rateCap: number,
): Promise<'done' | 'stopped'> {
  const sleep = o.sleep ?? defaultSleep;
  let after = seg.lo;
  let movedHere = 0;
  let finishing: Promise<number> | null = null;
  const settle = async () => {
    if (!finishing) return;
    const p = finishing;
    finishing = null;
    const n = await p;
    movedHere += n;
    seg.moved += n;
    shared.moved += n;
    o.onBatch?.({ moved: shared.moved, total: Math.max(shared.total, shared.moved) });
  };
  const startedAt = Date.now();
  const me = Symbol('pipeline');
  let lastBatchMs = 0;
  try {
    for (;;) {
      if (rateCap) {
        // Wait until the rows this range moved so far fit its share of the cap.
        const due = startedAt + (movedHere / rateCap) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      await o.yieldTo?.turn(me, copier.conns.new, lastBatchMs, o.signal);
      if (o.signal?.aborted) {
        await settle();
        return 'stopped';
      }
      const batchStart = Date.now();
      const size = o.yieldTo && !o.yieldTo.busy() ? (o.quietBatchSize ?? o.batchSize) : o.batchSize;
      if (seg.split) await answerSplit(copier, seg, after, size);
      const b = await copyNextBatch(copier, after, size, seg.hi);
      await settle();
      lastBatchMs = Date.now() - batchStart;
      if (!b) return 'done';
      finishing = finishWithRetry(finisher, b, async () => b.committed, o, true);
      // Observed by settle(); this keeps a failure meanwhile from being reported as unhandled.
      finishing.catch(() => undefined);
      after = b.last;
    }
  } finally {
    // Never leave a batch's finish running behind an error: wait for it, keep the first error.
    await (finishing as Promise<number> | null)?.catch(() => undefined);
    o.yieldTo?.done(me);
    seg.split?.(null);
    seg.split = undefined;
  }
}

/**
 * Runs in one pipe: its range, then, while any other range of the table is still running with
 * enough left, the upper half of that range (the one with most left), until none is.
 */
async function rangesInOnePipe(
  pipe: Pipe,
  first: Segment,
  running: Set<Segment>,
  shared: Shared,
  o: MoveTableOptions,
  cap: number,
): Promise<'done' | 'stopped'> {
  for (let seg: Segment | null = first; seg;) {
    running.add(seg);
    try {
      if ((await moveRange(pipe, seg, shared, o, cap)) === 'stopped') return 'stopped';
    } finally {
      running.delete(seg);
      // A pipe may have asked after moveRange's own last look: it must not wait forever.
      seg.split?.(null);
      seg.split = undefined;
    }
    if (o.signal?.aborted) return 'stopped';
    seg = null;
    // Ask the range with most left; one that declines (too little left) is not asked again.
    const asked = new Set<Segment>();
    for (;;) {
      const victim = [...running]
        .filter((r) => !r.split && !asked.has(r))
        .sort((a, b) => b.rows - b.moved - (a.rows - a.moved))[0];
      if (!victim) break;
      asked.add(victim);
      seg = await new Promise<Segment | null>((resolve) => {
        victim.split = resolve;
      });
      if (seg) break;
    }
  }
  return 'done';
}

/**
 * Passes over the whole key space in one pipe until OLD holds no row of the table. A pass after
 * the first starts only once a count has found rows on OLD: its first key lookup starts at the
 * table's lowest key, and on a table whose rows have all moved it would walk the index entries
 * of every one of them (dead, not yet vacuumed), 130 ms per million rows, to find nothing.
 */
async function passesInOnePipe(
  pipe: Pipe,
  fromPass: number,
  shared: Shared,
  o: MoveTableOptions,
): Promise<MoveTableOutcome> {
  for (let pass = fromPass; ; pass++) {
    if (pass > 1) {
      const left = await countOld(pipe.finisher);
      // The exact count corrects the estimate the progress started from.
      shared.total = shared.moved + left;
      if (left === 0) return { status: 'moved', moved: shared.moved };
      o.onBatch?.({ moved: shared.moved, total: shared.total });
    }
    if (pass > MAX_PASSES)
      throw new Error(
        `rows keep appearing on OLD after ${MAX_PASSES} passes; is something still writing to OLD directly?`,
      );
    if (
      (await moveRange(pipe, { lo: null, hi: null, rows: 0, moved: 0 }, shared, o, o.maxRowsPerSecond ?? 0)) ===
      'stopped'
    )
      return { status: 'stopped', moved: shared.moved };
  }
}

/**
 * Moves every row of one table. A table of more than a few batches is split, for its first pass,
 * into up to maxSegments key ranges, each moved in a pipe of its own; batches are disjoint key
 * ranges, so the order in which they finish does not matter. Every other pass (rows whose key
 * changed into a range already passed) takes the whole key space in one pipe.
 */
export async function moveTable(runPipe: RunPipe, o: MoveTableOptions): Promise<MoveTableOutcome> {
  const shared: Shared = { moved: 0, total: 0 };
  const first = await runPipe(async (pipe): Promise<{ outcome: MoveTableOutcome } | { segments: Segment[] }> => {
    const { finisher } = pipe;
    // A batch left copied by an earlier run: its copy may predate any snapshot, so drain from now.
    for (const open of await finisher.store.open(finisher.conns.new, finisher.schema, finisher.table)) {
      shared.moved += await finishWithRetry(finisher, open, () => nowOnNew(finisher), o);
    }
    // The estimate (for progress, and whether to split) and the cut by value, side by side.
    const wanted = o.maxSegments ?? 1;
    const [left, byValue] = await Promise.all([
      estimateOld(finisher),
      wanted > 1 ? valueSplit(pipe.copier, wanted) : null,
    ]);
    shared.total = shared.moved + left;
    o.onBatch?.({ moved: shared.moved, total: shared.total });
    const parts = splitCount(left, o.batchSize, wanted);
    if (parts <= 1) return { outcome: await passesInOnePipe(pipe, 1, shared, o) };
    const bounds = byValue && byValue.length === parts - 1 ? byValue : await splitPoints(finisher, left, parts);
    return { segments: segmentsAt(bounds, left) };
  });
  if ('outcome' in first) return first.outcome;
  const cap = (o.maxRowsPerSecond ?? 0) / first.segments.length;
  // Every range counts as running from the start, so that a pipeline done early (a cut by value
  // can leave one range nearly empty) finds the others even before their pipelines have started;
  // a range whose pipeline never starts answers no.
  const running = new Set<Segment>(first.segments);
  const results = await Promise.allSettled(
    first.segments.map((seg) =>
      runPipe((pipe) => rangesInOnePipe(pipe, seg, running, shared, o, cap)).finally(() => {
        running.delete(seg);
        seg.split?.(null);
        seg.split = undefined;
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (results.some((r) => r.status === 'fulfilled' && r.value === 'stopped'))
    return { status: 'stopped', moved: shared.moved };
  return runPipe((pipe) => passesInOnePipe(pipe, 2, shared, o));
}
