/** Runs plan/count-rows.ts's count in a READ ONLY transaction of its own: call it outside one. */
import { countRowsSql } from '../plan/count-rows.js';
import type { Queryable } from './queryable.js';

export async function countRows(db: Queryable, schema: string, table: string): Promise<number> {
  await db.query('BEGIN READ ONLY');
  try {
    let n = 0;
    for (const s of countRowsSql(schema, table)) n = Number((await db.query<{ n: string }>(s)).rows[0]?.n ?? 0);
    await db.query('COMMIT');
    return n;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
