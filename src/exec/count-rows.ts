/**
 * Runs plan/count-rows.ts's counts, every table's in one READ ONLY transaction of its own (call
 * it outside one): its settings once, then one count per table. In the tables' order.
 */
import { COUNT_SETTINGS, countRowsSql } from '../plan/count-rows.js';
import type { Queryable } from '../sql/queryable.js';

export async function countRows(db: Queryable, tables: readonly { schema: string; name: string }[]): Promise<number[]> {
  await db.query('BEGIN READ ONLY');
  try {
    await db.query(COUNT_SETTINGS);
    const counts: number[] = [];
    for (const t of tables)
      counts.push(Number((await db.query<{ n: string }>(countRowsSql(t.schema, t.name))).rows[0]!.n));
    await db.query('COMMIT');
    return counts;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
