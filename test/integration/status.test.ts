/** status through a migration: rows left, rows moved, open batches, phase and FKs. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { runStatus } from '../../src/fdw/status.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;

function fdwmig(db: DbPair, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--old', db.oldUrl, '--new', db.newUrl], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('fdwmig status', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('status');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => db?.drop());

  it('before init-new: not initialized, no tables, exit 0', () => {
    const r = fdwmig(db, ['status']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('phase: not initialized: no fdwmig state on NEW (init-new not run, or cleaned up)\n');
  });

  it('after init-new: every table waiting with its rows on OLD, FKs off', async () => {
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    const r = fdwmig(db, ['status']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('phase: moving: 370 row(s) still on OLD');
    expect(r.out).toContain('FKs: off (0 of 4 restored)');
    expect(r.out).toMatch(/^public\.customers\s+waiting\s+50\s+0\s+0$/m);
    expect(r.out).toMatch(/^Sales Dept\.Order\s+waiting\s+100\s+0\s+0$/m);
  });

  it('counts moved rows from moved batches and a batch left copied', async () => {
    await runMigrate(
      await configFor(db, { tables: ['public.order_lines'], batchSize: 30, finalize: false }),
      testDeps(),
    );
    // A batch an interrupted migrate left copied (see migrate-crash.test.ts for the real thing).
    await db.new.query(`INSERT INTO fdwmig.batches (schema_name, table_name, last_key, snapshot, keys, row_count, state)
      VALUES ('public', 'customers', '["5"]', '1:1:', '[["1"],["2"],["3"],["4"],["5"]]', 5, 'copied')`);
    const s = await runStatus(await configFor(db), testDeps());
    expect(s.phase).toBe('moving');
    expect(s.tables.find((t) => t.table === 'public.order_lines')).toEqual({
      table: 'public.order_lines',
      state: 'moved',
      rowsOnOld: 0,
      rowsMoved: 200,
      openBatches: 0,
      rowsVisibleTwice: 0,
    });
    expect(s.tables.find((t) => t.table === 'public.customers')).toEqual({
      table: 'public.customers',
      state: 'moving',
      rowsOnOld: 50,
      rowsMoved: 0,
      openBatches: 1,
      rowsVisibleTwice: 5,
    });
    const text = fdwmig(db, ['status']);
    expect(text.out).toContain('visible twice: up to 5 row(s) of batches a stopped migrate left copied');
    await db.new.query(`DELETE FROM fdwmig.batches WHERE state = 'copied'`);
  });

  it('after the whole move: finalized, FKs on; --json', async () => {
    await runMigrate(await configFor(db), testDeps());
    const r = fdwmig(db, ['status', '--json']);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.phase).toBe('finalized');
    expect(s.foreignKeys).toEqual({ total: 4, restored: 4, on: true });
    expect(s.tables.every((t: { state: string; rowsOnOld: number }) => t.state === 'moved' && t.rowsOnOld === 0)).toBe(
      true,
    );
    expect(s.tables.find((t: { table: string }) => t.table === 'public.customers').rowsMoved).toBe(50);
  });
});
