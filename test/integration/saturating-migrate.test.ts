/**
 * init-new, migrate with finalize, and cleanup while a saturating application locks rows in both
 * orders (pgbench's TPC-B and its reverse, unthrottled): on OLD during init-new (the application
 * has not switched yet), through NEW during migrate and cleanup. Every table moves, finalize
 * restores the FKs, cleanup drops fdwmig's objects, no transaction fails after its retries, and
 * pgbench's invariant holds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCleanup } from '../../src/fdw/cleanup.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import {
  HOT_ROW_TRIES,
  startSaturatingWorkload,
  tpcbData,
  tpcbSchema,
  type WorkloadReport,
} from '../../tools/dev/saturating-workload.js';
import { expectTpcbInvariant } from './support/tpcb.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, testDeps } from './support/fixtures.js';

// pgbench's scale 1 has 10 tellers on 1 branch; 10 branches keep hot-row retries (postgres_fdw's
// REPEATABLE READ on OLD's rows) from exhausting a transaction's 50 tries, a separate matter.
const SHAPE = { branches: 10, accountsPerBranch: 1_000 };

describe('migrate under a saturating application in both lock orders', () => {
  let db: DbPair;
  // Transactions committed on OLD during init-new: history holds one row per commit, on either side.
  let committedBefore = 0;
  const expectClean = (r: WorkloadReport) => {
    expect(r.stuck, 'clients left waiting').toBe(0);
    expect(r.failed, r.errors.join('; ')).toBe(0);
  };
  beforeAll(async () => {
    db = await freshDatabases('saturating');
    await db.old.query(tpcbSchema() + tpcbData(SHAPE.branches, SHAPE.accountsPerBranch));
    await db.new.query(tpcbSchema());
    const onOld = startSaturatingWorkload(db.oldUrl, {
      tpcb: 4,
      reverse: 2,
      ...SHAPE,
      stuckAfterMs: 5_000,
      maxTries: HOT_ROW_TRIES,
    });
    try {
      await delay(500);
      await runInitNew(await configFor(db), testDeps());
      await delay(500);
    } finally {
      const r = await onOld.stop();
      console.log(`workload on OLD during init-new: ${JSON.stringify(r)}`);
      expectClean(r);
      committedBefore = r.committed;
    }
  });
  afterAll(async () => db?.drop());

  it('moves every table and finalizes; no transaction fails, the invariant holds', async () => {
    const load = startSaturatingWorkload(db.newUrl, {
      tpcb: 4,
      reverse: 2,
      ...SHAPE,
      stuckAfterMs: 5_000,
      maxTries: HOT_ROW_TRIES,
    });
    const deps = testDeps();
    let result;
    try {
      await delay(500);
      result = await runMigrate(await configFor(db, { batchSize: 1000 }), deps);
      await delay(500);
    } finally {
      const r = await load.stop();
      console.log(`workload during migrate: ${JSON.stringify(r)}`);
      console.log(deps.lines.filter((l) => /guard|lock|deadlock|retry|tried/i.test(l)).join('\n'));
      expectClean(r);
      await expectTpcbInvariant(db.newUrl, committedBefore + r.committed);
      committedBefore += r.committed;
    }
    expect(result.tables.map((t) => t.status)).toEqual(['moved', 'moved', 'moved', 'moved']);
    expect(result.finalized?.foreignKeys.length).toBe(5);
    const left = await db.old.query(`SELECT
      (SELECT count(*) FROM pgbench_accounts) + (SELECT count(*) FROM pgbench_tellers)
      + (SELECT count(*) FROM pgbench_branches) + (SELECT count(*) FROM pgbench_history) AS n`);
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('cleans up while the application keeps writing in both orders', async () => {
    const load = startSaturatingWorkload(db.newUrl, {
      tpcb: 4,
      reverse: 2,
      ...SHAPE,
      stuckAfterMs: 5_000,
      maxTries: HOT_ROW_TRIES,
    });
    let result;
    try {
      await delay(500);
      result = await runCleanup(await configFor(db), testDeps(), { force: false });
      await delay(500);
    } finally {
      const r = await load.stop();
      console.log(`workload during cleanup: ${JSON.stringify(r)}`);
      expectClean(r);
      await expectTpcbInvariant(db.newUrl, committedBefore + r.committed);
    }
    expect(result.applied).toBe(true);
    const left = await db.new.query(`SELECT
      (SELECT count(*) FROM pg_foreign_table) + (SELECT count(*) FROM pg_foreign_server)
      + (SELECT count(*) FROM pg_namespace WHERE nspname = 'fdwmig') AS n`);
    expect(Number(left.rows[0].n)).toBe(0);
  });
});
