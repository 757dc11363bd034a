/**
 * The key ranges a table is moved in (docs/PROTOCOL.md, "Within a table"): where a large table is
 * cut for its first pass, from OLD's planner estimate, by value or every n-th key, and how a
 * range's own pipe hands the upper half of what it has left to an idle one.
 */
import type { Key } from '../state/batches.js';
import { planRows } from '../plan/split.js';
import { keyAfter, type MoveContext } from './move-batch.js';

/** A range is split for an idle pipe only while at least this many batches of it are left. */
const MIN_ROWS_TO_SPLIT_BATCHES = 4;

/**
 * A key range (lo, hi] of a table; null: open on that side. `rows`: about how many rows it
 * held when planned (or handed over), `moved`: how many its pipe moved so far. `split`: another
 * pipe, idle, asks for part of the range; the range's own pipe answers between two batches.
 */
export interface Segment {
  lo: Key | null;
  hi: Key | null;
  rows: number;
  moved: number;
  split?: (part: Segment | null) => void;
}

/**
 * Between two batches, in the range's own pipe (no batch of it is being read or copied): gives
 * the upper half of what is left to the pipe that asked, or null when too little is left to be
 * worth a second pipe. `after`: the last key copied.
 */
export async function answerSplit(ctx: MoveContext, seg: Segment, after: Key | null, batchSize: number): Promise<void> {
  const give = seg.split!;
  seg.split = undefined;
  const left = seg.rows - seg.moved;
  if (left < MIN_ROWS_TO_SPLIT_BATCHES * batchSize) return give(null);
  const half = Math.floor(left / 2);
  const mid = await keyAfter(ctx, after, half, seg.hi).catch((err: unknown) => {
    give(null);
    throw err;
  });
  if (!mid) return give(null);
  const part: Segment = { lo: mid.key, hi: seg.hi, rows: left - half, moved: 0 };
  seg.hi = mid.key;
  seg.rows = seg.moved + half;
  give(part);
}

/**
 * About how many rows OLD holds, from OLD's planner (a plan, no scan): for progress and how to
 * split, never for whether a table is done (a count decides that). The exact count it replaces
 * read the whole table before the first batch: 150 ms per million rows, on the critical path.
 */
export async function estimateOld(ctx: MoveContext): Promise<number> {
  const plan: unknown = (await ctx.conns.old.query<{ 'QUERY PLAN': unknown }>(ctx.sql.estimateOld)).rows[0]?.[
    'QUERY PLAN'
  ];
  return planRows(typeof plan === 'string' ? JSON.parse(plan) : plan);
}

/** Keys that cut OLD's `rows` keys into `parts` ranges of about equal size (fewer if the table shrank meanwhile). */
export async function splitPoints(ctx: MoveContext, rows: number, parts: number): Promise<Key[]> {
  const bounds: Key[] = [];
  const step = Math.ceil(rows / parts);
  for (let i = 1; i < parts; i++) {
    const next = await keyAfter(ctx, bounds.at(-1) ?? null, step, null);
    if (!next) break;
    bounds.push(next.key);
  }
  return bounds;
}

/** Keys that cut a one-column integer key's values into `parts` equal spans; null when not such a key. */
export async function valueSplit(ctx: MoveContext, parts: number): Promise<Key[] | null> {
  if (!ctx.sql.splitByValue) return null;
  const rows = (await ctx.conns.old.query<{ k0: string }>(ctx.sql.splitByValue(parts))).rows;
  // A value span narrower than `parts` repeats a bound: no such cut.
  const keys = [...new Set(rows.map((r) => r.k0))];
  return keys.length === rows.length ? keys.map((k) => [k]) : null;
}

/** The ranges between cut keys, each with its share of the table's `rows` as its estimate. */
export function segmentsAt(bounds: Key[], rows: number): Segment[] {
  const each = Math.ceil(rows / (bounds.length + 1));
  return [null, ...bounds].map((lo, i) => ({ lo, hi: bounds[i] ?? null, rows: each, moved: 0 }));
}
