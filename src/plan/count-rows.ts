/**
 * OLD: how many rows a table still holds (ONLY: never an OLD table's own children), as the
 * statements of one transaction; the count comes last. Every caller asks once rows have been
 * moved off OLD: for a vacuumed table the planner then picks an index-only scan, and the
 * deletes have cleared the visibility map it relied on, so that scan fetches the heap once per
 * dead index entry. A plain sequential scan visits each page once: 45 ms against 142-443 ms for
 * 1M moved rows on OLD 13 (docs/BENCHMARKS.md). One process: OLD is serving the application.
 */
import { qualified } from '../sql/quote.js';

export function countRowsSql(schema: string, table: string): readonly string[] {
  return [
    ...['enable_indexscan', 'enable_indexonlyscan', 'enable_bitmapscan'].map((g) => `SET LOCAL ${g} = off`),
    'SET LOCAL max_parallel_workers_per_gather = 0',
    `SELECT count(*)::int8 AS n FROM ONLY ${qualified(schema, table)}`,
  ];
}
