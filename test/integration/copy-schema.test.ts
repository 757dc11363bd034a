import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { checkPgDump } from '../../src/exec/pg-dump.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, catalogFingerprint, configFor, testDeps } from './support/fixtures.js';

// pg_dump refuses servers newer than itself: with Debian's pg_dump 15, an OLD 16 or 17 from the
// matrix cannot be dumped (init-new refuses it, as the first test pins). Only then are the copies
// skipped; a missing pg_dump (NaN) still fails them.
const pgDumpMajor = Number(/(\d+)/.exec(spawnSync('pg_dump', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1]);
const pgDumpTooOld = pgDumpMajor < inject('oldMajor');

describe('init-new --copy-schema (pg_dump from the Debian client tools)', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('copyschema');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
  });
  afterAll(async () => db?.drop());

  it('refuses a pg_dump that is missing, with a hint, before changing anything', async () => {
    await expect(checkPgDump('/nonexistent/pg_dump', 13, process.env)).rejects.toMatchObject({
      code: 'PREFLIGHT',
      hint: expect.stringContaining('postgresql-client'),
    });
    await expect(checkPgDump('pg_dump', 99, process.env)).rejects.toThrow(/needs pg_dump 99 or later/);
  });

  it.skipIf(pgDumpTooOld)('dry run plans the copy and changes nothing', async () => {
    const before = await catalogFingerprint(db.new);
    const r = await runInitNew(await configFor(db, { copySchema: true, dryRun: true }), testDeps());
    expect(r.planText).toMatch(/OLD's schema is copied to NEW/);
    expect(r.planText).toContain('CREATE FOREIGN TABLE "public"."order_lines_remote"');
    expect(await catalogFingerprint(db.new)).toBe(before);
  });

  it.skipIf(pgDumpTooOld)("copies OLD's schema to an empty NEW and serves OLD's rows through it", async () => {
    await runInitNew(await configFor(db, { copySchema: true }), testDeps());
    const n = await db.new.query(`SELECT count(*)::int AS n FROM order_lines`);
    expect(n.rows[0].n).toBe(200);
    const t = await db.new.query(`SELECT total::text AS t FROM "Sales Dept"."Order" WHERE id = 4`);
    const o = await db.old.query(`SELECT total::text AS t FROM "Sales Dept"."Order" WHERE id = 4`);
    expect(t.rows).toEqual(o.rows);
    // a re-run finds the schema in place and copies nothing
    const again = await runInitNew(await configFor(db, { copySchema: true }), testDeps());
    expect(again.planText).not.toMatch(/schema is copied/);
  });
});
