/**
 * verify against real servers: each kind of inconsistency is planted and found (exit 1, naming
 * table and key); a clean migration verifies with exit 0.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { runVerify, type VerifyReport } from '../../src/verify/run-verify.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;

function fdwmig(db: DbPair, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--old', db.oldUrl, '--new', db.newUrl], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function verify(
  db: DbPair,
  flags: Record<string, unknown> = {},
  compareContent = false,
  chunkRows = 5000,
): Promise<VerifyReport> {
  return runVerify(await configFor(db, flags), testDeps(), { compareContent, chunkRows });
}

const problems = (r: VerifyReport) =>
  r.findings
    .filter((f) => f.severity === 'problem')
    .map((f) => `${f.check} ${f.subject}${f.key ? ` ${f.key}` : ''}: ${f.message}`);

describe('verify through an FDW migration', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('verify');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => db?.drop());

  it("before init-new: says so, and finds NEW's sequences behind OLD's keys", async () => {
    const r = await verify(db);
    expect(r.phase).toBe('not-initialized');
    expect(r.phaseText).toContain('no fdwmig state on NEW');
    expect(problems(r)).toContain(
      'sequence public.customers_id_seq: next value 1 is not past the largest public.customers.id (50): new rows will collide',
    );
  });

  it('after init-new: moving, consistent, exit 0', async () => {
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    const cli = fdwmig(db, ['verify']);
    expect(cli.code, cli.out + cli.err).toBe(0);
    expect(cli.out).toMatch(/^phase: moving: 370 row\(s\) still on OLD/m);
    expect(cli.out).toContain('- info    public.customers: 50 row(s) still on OLD');
    expect(cli.out).toContain('verify: consistent');
  });

  it("finds a key both on OLD and in NEW's table", async () => {
    await db.new.query(`INSERT INTO customers (id, name) OVERRIDING SYSTEM VALUE VALUES (7, 'twin')`);
    const cli = fdwmig(db, ['verify']);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain("x problem public.customers (id)=(7): key both on OLD and in NEW's table");
    expect(cli.out).toMatch(/hint: keep one copy/);
    expect(cli.err).toMatch(/error: verify found 1 problem/);
    await db.new.query(`DELETE FROM ONLY customers WHERE id = 7`);
  });

  it('finds an orphan across moved and unmoved rows while FKs are off', async () => {
    // Half of order_lines moved: the orphan check must read both places.
    await runMigrate(
      await configFor(db, { tables: ['public.order_lines'], finalize: false, batchSize: 50 }),
      testDeps(),
    );
    await db.new.query(`INSERT INTO order_lines (order_id, line_no) VALUES (999999, 1)`);
    // Deleting a parent on NEW leaves children on OLD orphaned (no FK action fires while FKs are off).
    await db.new.query(`DELETE FROM "Sales Dept"."Order" WHERE id = 3`);
    const r = await verify(db);
    expect(r.phase).toBe('moving');
    expect(problems(r)).toEqual(
      expect.arrayContaining([
        'orphan public.order_lines (order_id, line_no)=(3, 2): FK order_lines_order_id_fkey: no row of Sales Dept.Order matches',
        'orphan public.order_lines (order_id, line_no)=(999999, 1): FK order_lines_order_id_fkey: no row of Sales Dept.Order matches',
      ]),
    );
    await db.new.query(`DELETE FROM order_lines WHERE order_id IN (3, 999999)`);
    expect(problems(await verify(db))).toEqual([]);
  });

  it("finds a sequence behind the largest key and behind OLD's last value", async () => {
    await db.new.query(`SELECT setval('categories_id_seq', 5)`);
    const r = await verify(db, { tables: ['public.categories'] });
    expect(problems(r)).toEqual([
      'sequence public.categories_id_seq: next value 6 is not past the largest public.categories.id (20): new rows will collide',
      "sequence public.categories_id_seq: next value 6 is not past OLD's public.categories_id_seq (last value 20)",
    ]);
    expect(fdwmig(db, ['sequences', 'sync']).code).toBe(0);
    expect(problems(await verify(db))).toEqual([]);
  });

  it('a clean migration verifies with exit 0, finalized', async () => {
    await runMigrate(await configFor(db), testDeps());
    const cli = fdwmig(db, ['verify', '--json']);
    expect(cli.code, cli.err).toBe(0);
    const r = JSON.parse(cli.out) as VerifyReport;
    expect(r.phase).toBe('finalized');
    expect(r.ok).toBe(true);
    expect(r.tables.find((t) => t.table === 'public.customers')).toEqual({
      table: 'public.customers',
      served: true,
      rowsOnOld: 0,
    });
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        check: 'trigger',
        subject: 'public.customers',
        message: 'triggers on NEW: customers_audit (enabled)',
      }),
    );
  });

  it('after finalize, a missing or unvalidated FK is a problem', async () => {
    await db.new.query(`ALTER TABLE order_lines DROP CONSTRAINT order_lines_category_id_fkey`);
    await db.new.query(`ALTER TABLE customers DISABLE TRIGGER customers_audit`);
    const r = await verify(db);
    expect(problems(r)).toEqual([
      'foreign-key public.order_lines: FK order_lines_category_id_fkey was restored by finalize but is missing on NEW now',
    ]);
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        check: 'trigger',
        message: 'trigger customers_audit is enabled on OLD but disabled on NEW',
      }),
    );
  });

  it('an unknown table in --tables is a usage error (exit 2)', () => {
    const cli = fdwmig(db, ['verify', '--tables', 'public.nope']);
    expect(cli.code).toBe(2);
    expect(cli.err).toContain('--tables names tables not on both OLD and NEW: public.nope');
  });
});

describe('verify --compare-content', () => {
  let db: DbPair;
  const ROWS = 50_000;
  beforeAll(async () => {
    db = await freshDatabases('vcontent');
    const ddl = `CREATE TABLE big (id bigint PRIMARY KEY, name text, amount numeric(12, 2), at timestamptz, f float8, tags text[], doc jsonb, b bytea);
      CREATE TABLE "Wéird ""T""" (k text, "Select" int, v text, PRIMARY KEY (k, "Select"));
      CREATE TABLE nokey (a int, b text)`;
    const data = `INSERT INTO big SELECT g, 'name ' || g, g * 1.25, timestamptz '2020-01-01 00:00+02' + g * interval '1 minute', g / 3.0, ARRAY['a' || g], jsonb_build_object('g', g), decode(md5(g::text), 'hex') FROM generate_series(1, ${ROWS}) g;
      INSERT INTO "Wéird ""T""" SELECT 'k-' || (g % 97) || '-Ä', g, 'v' || g FROM generate_series(1, 3000) g;
      INSERT INTO nokey SELECT g, 'b' || g FROM generate_series(1, 100) g`;
    for (const c of [db.old, db.new]) {
      await c.query(ddl);
      await c.query(data);
    }
  });
  afterAll(async () => db?.drop());

  it('finds nothing when both hold the same rows; exit 0', async () => {
    const t0 = Date.now();
    const cli = fdwmig(db, ['verify', '--compare-content', '--chunk-rows', '1000']);
    console.log(`compare-content, ${ROWS} + 3,000 + 100 rows, identical: ${Date.now() - t0} ms (CLI process)`);
    expect(cli.code, cli.out + cli.err).toBe(0);
    expect(cli.out).toContain(`public.big: content identical: ${ROWS} row(s) in 50 chunk(s)`);
    expect(cli.out).toContain('content identical: 3000 row(s) in 3 chunk(s)');
  });

  it('finds one changed column of one row in 50,000, naming table, key and column; exit 1', async () => {
    await db.new.query(`UPDATE big SET amount = amount + 0.01 WHERE id = 31337`);
    const t0 = Date.now();
    const cli = fdwmig(db, ['verify', '--compare-content']);
    console.log(`compare-content, one row differs: ${Date.now() - t0} ms (CLI process)`);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('x problem public.big (id)=(31337): differs in column(s) amount');
    expect(cli.out.match(/^x problem/gm)).toHaveLength(1);
    await db.new.query(`UPDATE big SET amount = amount - 0.01 WHERE id = 31337`);
  });

  it('finds missing, extra and changed rows, with hostile names and text keys, in parallel chunks', async () => {
    await db.new.query(`DELETE FROM big WHERE id = 2; INSERT INTO big (id, name) VALUES (${ROWS + 7}, 'extra');
      UPDATE "Wéird ""T""" SET v = NULL WHERE k = 'k-5-Ä' AND "Select" = 5;
      UPDATE big SET at = at + interval '1 microsecond' WHERE id = 49999;
      UPDATE nokey SET b = 'changed' WHERE a = 50`);
    const r = await verify(db, { concurrency: 4 }, true, 700);
    expect(problems(r).sort()).toEqual(
      [
        'content public.big (id)=(2): row missing on NEW',
        'content public.big (id)=(49999): differs in column(s) at',
        `content public.big (id)=(${ROWS + 7}): row on NEW only, not on OLD`,
        'content public.nokey: content differs (OLD 100 rows, NEW 100); no primary key to narrow it to rows',
        'content public.Wéird "T" (k, Select)=(k-5-Ä, 5): differs in column(s) v',
      ].sort(),
    );
  });

  it('narrows a range where NEW holds many more rows than OLD by splitting it', async () => {
    await db.new.query(
      `DELETE FROM big WHERE id = ${ROWS + 7}; INSERT INTO big (id, name) SELECT g, 'x' FROM generate_series(${ROWS + 100}, ${ROWS + 5099}) g`,
    );
    const r = await verify(db, { tables: ['public.big'] }, true, 1000);
    const p = problems(r);
    expect(p).toContain(`content public.big (id)=(${ROWS + 100}): row on NEW only, not on OLD`);
    expect(p).toContain('content public.big: row counts differ: OLD 50000, NEW 54999');
    expect(p.some((x) => /more differing row\(s\) not listed/.test(x))).toBe(true);
  });
});
