/**
 * finalize as its own command: an FK with orphans is reported with their keys and stays NOT VALID
 * (checking new writes) while the others are restored; once the orphans are fixed it completes.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
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

async function fks(db: DbPair) {
  return (await db.new.query(`SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)).rows;
}

describe('fdwmig finalize', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('finalize');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
  });
  afterAll(async () => db?.drop());

  it('refuses while rows remain on OLD', () => {
    const r = fdwmig(db, ['finalize']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/still has \d+ row\(s\) on OLD/);
    expect(r.err).toMatch(/hint: run fdwmig migrate/);
  });

  it('reports an orphan planted while FKs were off with table, constraint and key; exit 1', async () => {
    const moved = await runMigrate(await configFor(db, { finalize: false }), testDeps());
    expect(moved.tables.filter((t) => t.status !== 'moved')).toEqual([]);
    await db.new.query(`INSERT INTO order_lines (order_id, line_no) VALUES (999999, 7)`);
    await db.new.query(`INSERT INTO order_lines (order_id, line_no, category_id) VALUES (1, 9001, 424242)`);
    const r = fdwmig(db, ['finalize']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('2 FK(s) could not be validated');
    expect(r.err).toContain(
      'FK order_lines_order_id_fkey on public.order_lines: 1 row(s) reference no row of Sales Dept.Order',
    );
    expect(r.err).toContain('public.order_lines (order_id, line_no)=(999999, 7) has no match in Sales Dept.Order');
    expect(r.err).toContain('FK order_lines_category_id_fkey on public.order_lines: 1 row(s)');
    expect(r.err).toContain(
      'public.order_lines (order_id, line_no, category_id)=(1, 9001, 424242) has no match in public.categories',
    );
    expect(r.err).toMatch(/hint: .*fdwmig finalize again/);
    // The other FKs are restored; the two with orphans are in place NOT VALID.
    expect(await fks(db)).toEqual([
      { conname: 'Order_user_fkey', convalidated: true },
      { conname: 'categories_parent_id_fkey', convalidated: true },
      { conname: 'order_lines_category_id_fkey', convalidated: false },
      { conname: 'order_lines_order_id_fkey', convalidated: false },
    ]);
    await expect(db.new.query(`INSERT INTO order_lines (order_id, line_no) VALUES (888888, 1)`)).rejects.toThrow(
      /violates foreign key constraint "order_lines_order_id_fkey"/,
    );
  });

  it('exits 0 once the orphans are fixed, every FK validated', async () => {
    await db.new.query(
      `DELETE FROM order_lines WHERE order_id = 999999; UPDATE order_lines SET category_id = NULL WHERE line_no = 9001`,
    );
    const r = fdwmig(db, ['finalize']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('finalize: 2 FK(s) re-added and validated');
    expect((await fks(db)).every((f) => f.convalidated)).toBe(true);
    expect(
      (await db.new.query(`SELECT count(*)::int AS n FROM fdwmig.foreign_keys WHERE restored_at IS NULL`)).rows[0].n,
    ).toBe(0);
  });

  it('a second finalize has nothing left to restore', () => {
    const r = fdwmig(db, ['finalize']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('finalize: 0 FK(s) re-added and validated');
  });
});
