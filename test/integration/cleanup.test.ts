/**
 * cleanup against real servers: refuses while the move is unfinished, drops exactly fdwmig's
 * objects after it, and does nothing the second time.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCleanup } from '../../src/fdw/cleanup.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, catalogFingerprint, configFor, tableDigest, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const TABLES: [string, string][] = [
  ['customers', 'id'],
  ['categories', 'id'],
  ['"Sales Dept"."Order"', 'id'],
  ['order_lines', 'order_id, line_no'],
  ['audit', 'id'],
];

function fdwmig(db: DbPair, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--old', db.oldUrl, '--new', db.newUrl], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every FDW trace on NEW, and OLD's marker schema. */
async function fdwTraces(db: DbPair) {
  const n = (
    await db.new.query(`SELECT
    (SELECT count(*)::int FROM pg_foreign_table) AS foreign_tables,
    (SELECT count(*)::int FROM pg_foreign_server) AS servers,
    (SELECT count(*)::int FROM pg_user_mappings) AS mappings,
    (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'fdwmig') AS state_schema,
    (SELECT count(*)::int FROM pg_extension WHERE extname = 'postgres_fdw') AS extension`)
  ).rows[0];
  const o = (await db.old.query(`SELECT count(*)::int AS marker FROM pg_namespace WHERE nspname = 'fdwmig'`)).rows[0];
  return { ...n, ...o };
}

describe('cleanup after a finished migration', () => {
  let db: DbPair;
  const before = new Map<string, { n: number; digest: string }>();
  beforeAll(async () => {
    db = await freshDatabases('cleanup');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    for (const [t, k] of TABLES) before.set(t, await tableDigest(db.old, t, k));
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
  });
  afterAll(async () => db?.drop());

  it('refuses before migrate, naming tables and counts, and drops nothing', async () => {
    const newBefore = await catalogFingerprint(db.new);
    const oldBefore = await catalogFingerprint(db.old);
    const err = await runCleanup(await configFor(db), testDeps(), { force: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STATE', hint: expect.stringContaining('fdwmig migrate') });
    expect((err as Error).message).toContain('public.customers: 50 row(s) still on OLD');
    expect((err as Error).message).toContain('Sales Dept.Order: 100 row(s) still on OLD');
    expect(await catalogFingerprint(db.new)).toBe(newBefore);
    expect(await catalogFingerprint(db.old)).toBe(oldBefore);
    const cli = fdwmig(db, ['cleanup']);
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/public\.order_lines: 200 row\(s\) still on OLD/);
    expect(cli.err).toMatch(/hint: .*fdwmig migrate/);
  });

  it('refuses while FKs are off after migrate --no-finalize, pointing at finalize', async () => {
    await runMigrate(await configFor(db, { finalize: false }), testDeps());
    const err = await runCleanup(await configFor(db), testDeps(), { force: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STATE', hint: expect.stringContaining('fdwmig finalize') });
    expect((err as Error).message).toContain('FK order_lines_order_id_fkey on public.order_lines is not restored');
    expect(await fdwTraces(db)).toMatchObject({ servers: 1, state_schema: 1, marker: 1 });
  });

  it('--dry-run prints the plan and drops nothing', async () => {
    await runMigrate(await configFor(db), testDeps());
    const fp = await catalogFingerprint(db.new);
    const cli = fdwmig(db, ['cleanup', '--dry-run']);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain('DROP FOREIGN TABLE IF EXISTS "Sales Dept"."Order_remote"');
    expect(cli.out).toContain('DROP SERVER IF EXISTS "fdwmig_old"');
    expect(cli.out).toContain('-- dry run: nothing was dropped');
    expect(await catalogFingerprint(db.new)).toBe(fp);
  });

  it('drops every FDW object on NEW and the marker on OLD, and leaves the application alone', async () => {
    const fksBefore = (
      await db.new.query(`SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)
    ).rows;
    const cli = fdwmig(db, ['cleanup']);
    expect(cli.code, cli.err).toBe(0);
    expect(await fdwTraces(db)).toEqual({
      foreign_tables: 0,
      servers: 0,
      mappings: 0,
      state_schema: 0,
      extension: 0,
      marker: 0,
    });
    for (const [t, k] of TABLES) expect(await tableDigest(db.new, t, k), t).toEqual(before.get(t));
    expect((await db.new.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n).toBe(0);
    expect(
      (await db.new.query(`SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)).rows,
    ).toEqual(fksBefore);
    // The application's schema on OLD is untouched too (its tables are empty: every row moved).
    expect(
      (await db.old.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('public', 'Sales Dept')`))
        .rows[0].n,
    ).toBe(6);
  });

  it('a second run is a no-op with exit 0', async () => {
    const fp = await catalogFingerprint(db.new);
    const cli = fdwmig(db, ['cleanup']);
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out).toContain("nothing of fdwmig's left to drop");
    expect(await catalogFingerprint(db.new)).toBe(fp);
  });
});

describe('cleanup --force', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('cleanforce');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
  });
  afterAll(async () => db?.drop());

  it('drops everything while rows remain, warns, and keeps the FK definitions in the log', async () => {
    const deps = testDeps();
    const r = await runCleanup(await configFor(db), deps, { force: true });
    expect(r.applied).toBe(true);
    expect(r.overridden).toContain('public.customers: 50 row(s) still on OLD');
    expect(deps.lines.join('\n')).toMatch(
      /warn: --force: FK order_lines_order_id_fkey is not restored; to restore it yourself: ALTER TABLE "public"."order_lines" ADD CONSTRAINT "order_lines_order_id_fkey" FOREIGN KEY \(order_id\) REFERENCES "Sales Dept"."Order"\(id\) ON DELETE CASCADE/,
    );
    expect(await fdwTraces(db)).toEqual({
      foreign_tables: 0,
      servers: 0,
      mappings: 0,
      state_schema: 0,
      extension: 0,
      marker: 0,
    });
    // OLD's rows are where they were; NEW's tables are intact (and empty: nothing was moved).
    expect((await db.old.query(`SELECT count(*)::int AS n FROM customers`)).rows[0].n).toBe(50);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM customers`)).rows[0].n).toBe(0);
    expect((await runCleanup(await configFor(db), testDeps(), { force: false })).plan.segments).toEqual([]);
  });
});
