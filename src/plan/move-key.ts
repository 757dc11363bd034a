import type { TableModel } from '../introspect/model.js';

/**
 * The columns that identify a row while it moves: the primary key, or else a unique constraint
 * over NOT NULL columns. null when the table has neither: migrate cannot key its batches
 * (docs/SUPPORT.md says why and what to do).
 */
export function moveKey(t: TableModel): readonly string[] | null {
  if (t.primaryKey) return t.primaryKey;
  const notNull = new Set(t.columns.filter((c) => c.notNull).map((c) => c.name));
  return t.uniqueKeys.find((k) => k.every((c) => notNull.has(c))) ?? null;
}
