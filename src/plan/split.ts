/**
 * How many key ranges a table's first pass is split into: one per worker, but only when each
 * range gets at least MIN_BATCHES_PER_RANGE batches, so that small tables keep one pipeline
 * (splitting costs a key lookup per range and a pair of connections per range).
 */
export const MIN_BATCHES_PER_RANGE = 4;

export function splitCount(rows: number, batchSize: number, workers: number): number {
  if (!(rows > 0) || !(batchSize > 0) || workers < 2) return 1;
  return Math.max(1, Math.min(Math.floor(workers), Math.floor(rows / (batchSize * MIN_BATCHES_PER_RANGE))));
}

/**
 * The top row estimate of EXPLAIN (FORMAT JSON)'s output (OLD's planner: its statistics scaled
 * to the table's current size); 0 when the output is not that shape. For progress and how to
 * split, never for whether a table is done.
 */
export function planRows(explained: unknown): number {
  const rows = Array.isArray(explained)
    ? (explained[0] as { Plan?: { 'Plan Rows'?: unknown } } | undefined)?.Plan?.['Plan Rows']
    : undefined;
  return typeof rows === 'number' && Number.isFinite(rows) && rows > 0 ? Math.round(rows) : 0;
}
