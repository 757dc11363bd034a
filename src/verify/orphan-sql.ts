/**
 * The query that finds an FK's orphans: referencing rows whose FK columns have no match in the
 * referenced table. Pure; every name quoted here.
 */
import { ident, qualified } from '../sql/quote.js';
import type { FkColumns } from './fk-definition.js';

/** How many orphans are listed per FK: enough to act on, few enough to read. */
export const ORPHANS_LISTED = 10;

export interface OrphanQueryInput {
  table: { schema: string; name: string };
  ref: { schema: string; name: string };
  fk: FkColumns;
  /** Columns that identify a referencing row (its primary key, else the FK columns). */
  keyColumns: readonly string[];
  /**
   * true: the tables alone, as PostgreSQL's own FK validation reads them (after the move).
   * false: parents with their children, i.e. NEW's rows and OLD's through the foreign tables.
   */
  only: boolean;
}

/** Columns reported per orphan: its key, then the FK columns not already in it. */
export function orphanColumns(i: Pick<OrphanQueryInput, 'fk' | 'keyColumns'>): string[] {
  return [...new Set([...i.keyColumns, ...i.fk.columns])];
}

/**
 * Returns up to {@link ORPHANS_LISTED} rows: c0..cn (text, in {@link orphanColumns} order) and
 * total (every orphan, counted in the same scan). MATCH SIMPLE leaves rows with a null FK
 * column alone; MATCH FULL also reports rows whose FK columns are only partly null.
 */
export function buildOrphanQuery(i: OrphanQueryInput): string {
  const only = i.only ? 'ONLY ' : '';
  const cols = orphanColumns(i);
  const c = (name: string) => `c.${ident(name)}`;
  const allSet = i.fk.columns.map((n) => `${c(n)} IS NOT NULL`).join(' AND ');
  const missing = `NOT EXISTS (SELECT 1 FROM ${only}${qualified(i.ref.schema, i.ref.name)} p
                    WHERE ${i.fk.columns.map((n, k) => `p.${ident(i.fk.refColumns[k]!)} = ${c(n)}`).join(' AND ')})`;
  let where = `${allSet}\n   AND ${missing}`;
  if (i.fk.matchFull && i.fk.columns.length > 1) {
    const someNull = i.fk.columns.map((n) => `${c(n)} IS NULL`).join(' OR ');
    where = `(${allSet}\n   AND ${missing})\n    OR ((${someNull}) AND NOT (${i.fk.columns.map((n) => `${c(n)} IS NULL`).join(' AND ')}))`;
  }
  return `SELECT ${cols.map((n, k) => `${c(n)}::text AS c${k}`).join(', ')}, count(*) OVER () AS total
  FROM ${only}${qualified(i.table.schema, i.table.name)} c
 WHERE ${where}
 ORDER BY ${cols.map(c).join(', ')}
 LIMIT ${ORPHANS_LISTED}`;
}
