/**
 * The count of a table's rows on OLD (plan/count-rows.ts, exec/count-rows.ts: the count that ends
 * migrate's passes, and finalize's, status's, verify's and cleanup's) on a real OLD: after a pass
 * has deleted a vacuumed table's rows, its statements make the planner read the heap once, in
 * one process; it counts exactly the rows left, a row added since included, and leaves the
 * session's settings as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows } from '../../src/exec/count-rows.js';
import { COUNT_SETTINGS, countRowsSql } from '../../src/plan/count-rows.js';
import { freshDatabases, type DbPair } from './support/databases.js';

describe('end-of-table count on OLD', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('count_old');
    await db.old.query('CREATE TABLE t (id int PRIMARY KEY, pad text)');
    await db.old.query(`INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 50000) g`);
    // Wide rows, vacuumed: the index is a small fraction of the heap and all-visible, so the
    // planner, left alone, counts by an index-only scan. Then every row is deleted.
    await db.old.query('VACUUM ANALYZE t');
    await db.old.query('DELETE FROM t WHERE id <= 50000');
  });
  afterAll(async () => db?.drop());

  const inCountTransaction = async <T>(fn: (last: string) => Promise<T>): Promise<T> => {
    await db.old.query('BEGIN READ ONLY');
    try {
      await db.old.query(COUNT_SETTINGS);
      return await fn(countRowsSql('public', 't'));
    } finally {
      await db.old.query('ROLLBACK');
    }
  };

  it('reads the heap in one sequential scan: no index, no parallel workers', async () => {
    const plan = await inCountTransaction(async (count) =>
      (await db.old.query(`EXPLAIN (COSTS OFF) ${count}`)).rows.map((r) => r['QUERY PLAN']).join('\n'),
    );
    expect(plan).toMatch(/Seq Scan on t\b/);
    expect(plan).not.toMatch(/Index|Gather|Parallel/);
  });

  it("counts the rows left, and a row added since the pass; the session's settings are as before", async () => {
    expect((await countRows(db.old, [{ schema: 'public', name: 't' }]))[0]).toBe(0);
    await db.old.query(`INSERT INTO t VALUES (7, 'came back')`);
    expect((await countRows(db.old, [{ schema: 'public', name: 't' }]))[0]).toBe(1);
    const shown = await db.old.query(
      `SELECT current_setting('enable_indexscan') AS i, current_setting('max_parallel_workers_per_gather') AS p`,
    );
    expect(shown.rows[0]).toEqual({ i: 'on', p: '2' });
  });
});
