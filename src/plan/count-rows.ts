/**
 * OLD: how many rows tables still hold (ONLY: never an OLD table's own children). Every caller
 * asks once rows have been moved off OLD: for a vacuumed table the planner then picks an
 * index-only scan, and the deletes have cleared the visibility map it relied on, so that scan
 * fetches the heap once per dead index entry. A plain sequential scan visits each page once:
 * 45 ms against 142-443 ms for 1M moved rows on OLD 13 (docs/BENCHMARKS.md). One process: OLD
 * is serving the application.
 */
import { qualified } from '../sql/quote.js';

/**
 * In the counting transaction, before the counts: a sequential scan only, no parallel workers
 * (set_config's `true`: for this transaction, as SET LOCAL).
 */
export const COUNT_SETTINGS = `SELECT ${[
  ...['enable_indexscan', 'enable_indexonlyscan', 'enable_bitmapscan'].map(
    (g) => `pg_catalog.set_config('${g}', 'off', true)`,
  ),
  "pg_catalog.set_config('max_parallel_workers_per_gather', '0', true)",
].join(', ')}`;

/** One table's count, after COUNT_SETTINGS in the same transaction. */
export function countRowsSql(schema: string, table: string): string {
  return `SELECT count(*)::int8 AS n FROM ONLY ${qualified(schema, table)}`;
}

/** Whether a table holds any row (ONLY: never a child's), as `any`. */
export function anyRowSql(schema: string, table: string): string {
  return `SELECT EXISTS (SELECT 1 FROM ONLY ${qualified(schema, table)}) AS any`;
}
