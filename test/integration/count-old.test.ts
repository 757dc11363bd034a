/**
 * The count that ends a table's passes (move-sql.ts, countOld) on a real OLD: after a pass has
 * deleted a vacuumed table's rows, its statements make the planner read the heap once, in one
 * process, and it counts exactly the rows left, a row added since included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectDatabase } from '../../src/introspect/introspect.js';
import { buildMoveSql } from '../../src/plan/move-sql.js';
import { freshDatabases, type DbPair } from './support/databases.js';

describe('end-of-table count on OLD', () => {
  let db: DbPair;
  let countOld: readonly string[];
  beforeAll(async () => {
    db = await freshDatabases('count_old');
    await db.old.query('CREATE TABLE t (id int PRIMARY KEY, pad text)');
    await db.old.query(`INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 50000) g`);
    // Wide rows, vacuumed: the index is a small fraction of the heap and all-visible, so the
    // planner, left alone, counts by an index-only scan. Then every row is deleted.
    await db.old.query('VACUUM ANALYZE t');
    await db.old.query('DELETE FROM t WHERE id <= 50000');
    const model = await introspectDatabase(db.old, { skipSchemas: [] });
    countOld = buildMoveSql(model.tables.find((x) => x.name === 't')!).countOld;
  });
  afterAll(async () => db?.drop());

  const inCountTransaction = async <T>(fn: (last: string) => Promise<T>): Promise<T> => {
    await db.old.query('BEGIN READ ONLY');
    try {
      for (const sql of countOld.slice(0, -1)) await db.old.query(sql);
      return await fn(countOld.at(-1)!);
    } finally {
      await db.old.query('ROLLBACK');
    }
  };

  it('reads the heap in one sequential scan: no index, no parallel workers', async () => {
    const plan = await inCountTransaction(async (count) =>
      (await db.old.query(`EXPLAIN (COSTS OFF) ${count}`)).rows.map((r) => r['QUERY PLAN']).join('\n'));
    expect(plan).toMatch(/Seq Scan on t\b/);
    expect(plan).not.toMatch(/Index|Gather|Parallel/);
  });

  it('counts the rows left, and a row added since the pass', async () => {
    expect(await inCountTransaction(async (count) => Number((await db.old.query(count)).rows[0].n))).toBe(0);
    await db.old.query(`INSERT INTO t VALUES (7, 'came back')`);
    expect(await inCountTransaction(async (count) => Number((await db.old.query(count)).rows[0].n))).toBe(1);
  });
});
