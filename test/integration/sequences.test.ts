/** `fdwmig sequences sync` on its own: behind sequences move past OLD's plus the gap, never back. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;

function fdwmig(db: DbPair, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--old', db.oldUrl, '--new', db.newUrl], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function positions(db: DbPair): Promise<Record<string, string | null>> {
  const r = await db.new.query<{ name: string; v: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text AS v FROM pg_sequences ORDER BY 1`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, x.v]));
}

describe('fdwmig sequences sync', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('seqsync');
    for (const c of [db.old, db.new]) {
      await applyFixture(c, 'features');
      await c.query(
        `CREATE SEQUENCE "Sales Dept"."Ticket ""No""" INCREMENT BY -1 MINVALUE -1000000 MAXVALUE -1 START -1`,
      );
    }
    await applyFixture(db.old, 'features-data');
    await db.old.query(`SELECT setval('"Sales Dept"."Ticket ""No"""', -500); SELECT setval('audit_id_seq', 5)`);
    // NEW: one sequence far ahead already, one slightly behind OLD, the rest unused.
    await db.new.query(`SELECT setval('audit_id_seq', 999999); SELECT setval('categories_id_seq', 3)`);
  });
  afterAll(async () => db?.drop());

  it('--dry-run reports each sequence and changes nothing', async () => {
    const before = await positions(db);
    const r = fdwmig(db, ['sequences', 'sync', '--dry-run', '--sequence-gap', '1000']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^to move\s+public\.customers_id_seq: OLD at 50, NEW unused -> 1050$/m);
    expect(r.out).toMatch(/^to move\s+public\.categories_id_seq: OLD at 20, NEW 3 -> 1020$/m);
    expect(r.out).toMatch(
      /^unchanged\s+public\.audit_id_seq: .*NEW is already at 999999, past the target: left as is \(never backwards\)$/m,
    );
    expect(r.out).toContain('-- dry run:');
    expect(await positions(db)).toEqual(before);
  });

  it('moves behind sequences past OLD plus the gap, in their direction, and never backwards', async () => {
    const r = fdwmig(db, ['sequences', 'sync', '--sequence-gap', '1000']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^moved\s+Sales Dept\.Ticket "No": OLD at -500, NEW unused -> -1500$/m);
    expect(await positions(db)).toMatchObject({
      'public.customers_id_seq': '1050', // identity column
      'public.categories_id_seq': '1020', // serial, was behind
      'Sales Dept.Order_id_seq': '1100',
      'public.audit_id_seq': '999999', // ahead: left alone
      'Sales Dept.Ticket "No"': '-1500', // descending
    });
    // nextval continues past the gap.
    expect((await db.new.query(`INSERT INTO categories (label) VALUES ('new') RETURNING id`)).rows[0].id).toBe(1021);
  });

  it('a second sync with a smaller gap moves nothing backwards', async () => {
    const before = await positions(db);
    const r = fdwmig(db, ['sequences', 'sync', '--sequence-gap', '10']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('sequences sync: 0 of ');
    expect(await positions(db)).toEqual(before);
  });
});
