/** Finds an FK's orphans on NEW and describes them for a person. */
import type { Queryable } from '../sql/queryable.js';
import { parseFkDefinition } from './fk-definition.js';
import { buildOrphanQuery, orphanColumns } from './orphan-sql.js';
import type { RecordedFk } from '../state/records.js';

export interface Orphans {
  fk: RecordedFk;
  /** Every orphan. */
  total: number;
  columns: string[];
  /** The first few, each the values of `columns` (null stays null). */
  rows: (string | null)[][];
}

/** Orphans of one recorded FK; keyColumns identify a referencing row (its primary key, if any). */
export async function findOrphans(
  db: Queryable,
  fk: RecordedFk,
  keyColumns: readonly string[] | null,
  only: boolean,
): Promise<Orphans> {
  const cols = parseFkDefinition(fk.definition);
  const input = {
    table: { schema: fk.schema, name: fk.table },
    ref: { schema: fk.refSchema, name: fk.refTable },
    fk: cols,
    keyColumns: keyColumns ?? cols.columns,
    only,
  };
  const r = await db.query<Record<string, string | null>>(buildOrphanQuery(input));
  const columns = orphanColumns(input);
  return {
    fk,
    columns,
    total: r.rows.length ? Number(r.rows[0]!.total) : 0,
    rows: r.rows.map((row) => columns.map((_, k) => row[`c${k}`] ?? null)),
  };
}

/** `(order_id, line_no)=(5, 3)`, as PostgreSQL prints keys in its own messages. */
export function formatKey(columns: readonly string[], values: readonly (string | null)[]): string {
  return `(${columns.join(', ')})=(${values.map((v) => v ?? 'null').join(', ')})`;
}

/** One line per orphan listed, then how many more there are. */
export function describeOrphans(o: Orphans): string[] {
  const lines = o.rows.map(
    (r) => `${o.fk.schema}.${o.fk.table} ${formatKey(o.columns, r)} has no match in ${o.fk.refSchema}.${o.fk.refTable}`,
  );
  if (o.total > o.rows.length) lines.push(`... and ${o.total - o.rows.length} more`);
  return lines;
}
