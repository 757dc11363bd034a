/**
 * Runs plan/count-rows.ts's counts, every table's in one READ ONLY transaction of its own (call
 * it outside one): its settings once, then one count per table. In the tables' order.
 */
import { COUNT_SETTINGS, countRowsSql } from '../plan/count-rows.js';
import { qualified } from '../sql/quote.js';
import { withTransaction, type Queryable } from '../sql/queryable.js';
import { qualifiedName } from '../introspect/model.js';

export async function countRows(db: Queryable, tables: readonly { schema: string; name: string }[]): Promise<number[]> {
  return withTransaction(
    db,
    async () => {
      await db.query(COUNT_SETTINGS);
      const counts: number[] = [];
      for (const t of tables)
        counts.push(Number((await db.query<{ n: string }>(countRowsSql(t.schema, t.name))).rows[0]!.n));
      return counts;
    },
    'BEGIN READ ONLY',
  );
}

/** Rows per table on OLD, counted ONLY (never an OLD child's); a table gone from OLD counts 0. */
export async function countRowsOnOld(
  oldDb: Queryable,
  tables: readonly { schema: string; name: string }[],
): Promise<Map<string, number>> {
  const exists = (
    await oldDb.query<{ ok: boolean }>(
      'SELECT pg_catalog.to_regclass(x) IS NOT NULL AS ok FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i',
      [tables.map((t) => qualified(t.schema, t.name))],
    )
  ).rows.map((r) => r.ok);
  const present = tables.filter((_, i) => exists[i]);
  const n = await countRows(oldDb, present);
  const counts = new Map(tables.map((t) => [qualifiedName(t), 0]));
  present.forEach((t, i) => counts.set(qualifiedName(t), n[i]!));
  return counts;
}
