/**
 * migrate and finalize while a saturating application locks rows in both orders (pgbench's
 * TPC-B and its reverse, unthrottled, through NEW): every table moves, finalize restores the
 * FKs, no transaction fails after its retries, and pgbench's invariant holds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import {
  readTpcbInvariant,
  startSaturatingWorkload,
  tpcbData,
  tpcbSchema,
} from '../../tools/dev/saturating-workload.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, testDeps } from './support/fixtures.js';

// pgbench's scale 1 has 10 tellers on 1 branch; 10 branches keep hot-row retries (postgres_fdw's
// REPEATABLE READ on OLD's rows) from exhausting a transaction's 50 tries, a separate matter.
const SHAPE = { branches: 10, accountsPerBranch: 1_000 };

describe('migrate under a saturating application in both lock orders', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('saturating');
    await db.old.query(tpcbSchema() + tpcbData(SHAPE.branches, SHAPE.accountsPerBranch));
    await db.new.query(tpcbSchema());
    await runInitNew(await configFor(db), testDeps());
  });
  afterAll(async () => db?.drop());

  it('moves every table and finalizes; no transaction fails, the invariant holds', async () => {
    const load = startSaturatingWorkload(db.newUrl, { tpcb: 4, reverse: 2, ...SHAPE, stuckAfterMs: 5_000 });
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
      expect(r.stuck, 'clients left waiting').toBe(0);
      expect(r.failed, r.errors.join('; ')).toBe(0);
      const inv = await readTpcbInvariant(db.newUrl);
      expect([inv.accounts, inv.tellers, inv.branches]).toEqual([inv.history, inv.history, inv.history]);
      expect(inv.historyRows).toBe(r.committed);
    }
    expect(result.tables.map((t) => t.status)).toEqual(['moved', 'moved', 'moved', 'moved']);
    expect(result.finalized?.foreignKeys.length).toBe(5);
    const left = await db.old.query(`SELECT
      (SELECT count(*) FROM pgbench_accounts) + (SELECT count(*) FROM pgbench_tellers)
      + (SELECT count(*) FROM pgbench_branches) + (SELECT count(*) FROM pgbench_history) AS n`);
    expect(Number(left.rows[0].n)).toBe(0);
  });
});
