/**
 * A write that reached OLD before a batch's copy and commits only after the drain
 * (docs/PROTOCOL.md, step 4). An application transaction in READ COMMITTED on NEW updates a row
 * while it is still on OLD, then sits idle in its transaction: between statements it holds no
 * snapshot, so the drain does not wait for it, and the copy carries the row as it was. Its
 * change is uncommitted on OLD, so the checked delete cannot see it as a change; what stops the
 * delete is the row lock the change holds. The batch waits until the transaction ends; once it
 * commits, the row counts as changed and the slow path copies OLD's version to NEW.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, testDeps } from './support/fixtures.js';
import { until } from './support/until.js';

const DIGEST = `SELECT count(*)::int AS n, md5(string_agg(id || ':' || v, ',' ORDER BY id)) AS d FROM ONLY t`;

describe('an application write on OLD, uncommitted while its batch is copied and drained', () => {
  let db: DbPair;
  let app: pg.Client | undefined;
  beforeAll(async () => {
    db = await freshDatabases('uncommitted_write');
    await db.old.query(
      `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 3000) g`,
    );
    await db.new.query(`CREATE TABLE t (id int PRIMARY KEY, v text)`);
    await runInitNew(await configFor(db), testDeps());
  });
  afterEach(async () => {
    await app?.end().catch(() => undefined);
    app = undefined;
  });
  afterAll(async () => db?.drop());

  it('is not lost: the batch waits for it, then NEW holds the changed row', async () => {
    app = new pg.Client(db.newUrl);
    await app.connect();
    await app.query('BEGIN');
    // Through NEW's table: the row is on OLD, so the change lands there, not yet committed.
    expect((await app.query(`UPDATE t SET v = 'changed by the application' WHERE id = 10`)).rowCount).toBe(1);
    const appPid = (app as unknown as { processID: number }).processID;
    // Idle in a READ COMMITTED transaction: no snapshot, so the drain lets the batch through.
    expect(
      (
        await db.new.query(
          `SELECT backend_xmin IS NULL AS none, state FROM pg_catalog.pg_stat_activity WHERE pid = $1`,
          [appPid],
        )
      ).rows[0],
    ).toEqual({ none: true, state: 'idle in transaction' });

    const deps = testDeps();
    const run = runMigrate(
      await configFor(db, { batchSize: 1000, concurrency: 1, finalize: false, yieldToApp: false }),
      deps,
    );
    // The first batch, rows 1..1000, is copied with row 10 as it was; its delete then waits.
    await until(
      db.new,
      `SELECT 1 FROM fdwmig.batches WHERE table_name = 't' AND after_key IS NULL`,
      'the first batch to be copied',
    );
    await until(db.new, `SELECT 1 FROM ONLY t WHERE id = 10 AND v = 'v10'`, "row 10's copy on NEW");
    await new Promise((r) => setTimeout(r, 600));
    expect((await db.old.query(`SELECT v FROM ONLY t WHERE id = 10`)).rows).toEqual([{ v: 'v10' }]);
    expect(
      (await db.new.query(`SELECT state FROM fdwmig.batches WHERE table_name = 't' AND after_key IS NULL`)).rows,
    ).toEqual([{ state: 'copied' }]);
    await app.query('COMMIT');

    const r = await run;
    expect(r.tables[0], deps.lines.join('\n')).toMatchObject({ status: 'moved', rows: 3000 });
    expect((await db.new.query(`SELECT v FROM ONLY t WHERE id = 10`)).rows).toEqual([
      { v: 'changed by the application' },
    ]);
    const expected = (
      await db.new
        .query(`SELECT count(*)::int AS n, md5(string_agg(g || ':' || CASE WHEN g = 10 THEN 'changed by the application' ELSE 'v' || g END, ',' ORDER BY g)) AS d
      FROM generate_series(1, 3000) g`)
    ).rows[0];
    expect((await db.new.query(DIGEST)).rows[0]).toEqual(expected);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM ONLY t`)).rows[0].n).toBe(0);
  });
});
