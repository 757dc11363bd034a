/**
 * Point 2 of the migrate issue: no lost application write. Transfers run through NEW during the
 * whole move; every balance must equal its start plus its logged deltas at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload } from '../../tools/dev/workload.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, testDeps } from './support/fixtures.js';

const ACCOUNTS = 20_000;

describe('migrate under an application workload', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('load');
    await db.old.query(BANK_SCHEMA + bankData(ACCOUNTS));
    await db.old.query(
      `INSERT INTO ledger (account_id, delta) SELECT 1 + g % ${ACCOUNTS}, 0 FROM generate_series(1, 5000) g`,
    );
    await db.new.query(BANK_SCHEMA);
    await runInitNew(await configFor(db), testDeps());
  });
  afterAll(async () => db?.drop());

  it('loses no write, and every row ends on NEW exactly once', async () => {
    const workload = startWorkload(db.newUrl, ACCOUNTS, 2, 7);
    let result;
    const deps = testDeps();
    try {
      await new Promise((r) => setTimeout(r, 300));
      result = await runMigrate(await configFor(db, { batchSize: 500, concurrency: 2 }), deps);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await workload.stop();
    }
    const stats = workload.stats;
    console.log(
      `workload during migrate: ${stats.transactions} transactions, ${stats.retried} retried (serialization), ` +
        `${stats.doubledUpdates} updates touched two copies, ${stats.doubledReads} reads saw a row twice, lost ${stats.lostWrites}`,
    );
    expect(result.tables.map((t) => t.status)).toEqual(['moved', 'moved']);
    expect(result.finalized?.foreignKeys).toEqual(['public.ledger.ledger_account_id_fkey']);
    expect(stats.otherErrors).toEqual([]);
    // The workload kept NEW busy: migrate saw it and yielded (one pipeline, rests).
    expect(deps.lines.some((l) => l.startsWith('info: the application is busy on NEW'))).toBe(true);
    expect(stats.lostWrites).toBe(0);
    expect(stats.transactions).toBeGreaterThan(100);
    expect(await checkInvariant(db.new, ACCOUNTS)).toEqual({ ok: true, problems: [] });
    expect((await db.old.query(`SELECT count(*)::int AS n FROM accounts`)).rows[0].n).toBe(0);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM ONLY accounts`)).rows[0].n).toBe(ACCOUNTS);
  });
});
