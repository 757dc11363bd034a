/**
 * The benchmark's floor line (tools/bench/floor.ts) between real servers: every row of a keyed
 * table arrives on NEW unchanged, in batches; with the delete, OLD keeps none of them (and, in
 * replica mode, its FKs do not stop the delete); without it, OLD keeps them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFloor } from '../../tools/bench/floor.js';
import { freshDatabases, type DbPair } from './support/databases.js';

const SCHEMA = [
  'CREATE TABLE parent (id int PRIMARY KEY, note text)',
  'CREATE TABLE child (cid bigint PRIMARY KEY, parent_id int REFERENCES parent, v numeric, t timestamptz)',
  'CREATE TABLE log (x int, s text)',
];
const fingerprint = (table: string, key: string) =>
  `SELECT count(*)::int AS n, md5(string_agg(${table}::text, ',' ORDER BY ${key})) AS h FROM ${table}`;

describe('bench floor line', () => {
  let db: DbPair;
  let before: Record<string, unknown>;
  beforeAll(async () => {
    db = await freshDatabases('bench_floor');
    for (const sql of SCHEMA) await db.old.query(sql);
    for (const sql of SCHEMA.map((s) => s.replace(' REFERENCES parent', ''))) await db.new.query(sql);
    await db.old.query(`INSERT INTO parent SELECT g, E'p\\t' || g FROM generate_series(1, 50) g`);
    // Keys out of physical order, with gaps: batches follow key order, not storage.
    await db.old.query(
      `INSERT INTO child SELECT (g * 7919) % 10007, 1 + g % 50, g * 1.25, '2026-01-01'::timestamptz + g * interval '1 s' FROM generate_series(1, 5000) g`,
    );
    await db.old.query(`INSERT INTO log SELECT g, 'l' || g FROM generate_series(1, 300) g`);
    before = {
      parent: (await db.old.query(fingerprint('parent', 'id'))).rows[0],
      child: (await db.old.query(fingerprint('child', 'cid'))).rows[0],
      log: (await db.old.query(fingerprint('log', 'x'))).rows[0],
    };
  });
  afterAll(async () => db?.drop());

  it('without the delete: NEW gets every row, OLD keeps them', async () => {
    const r = await runFloor(
      db.oldUrl,
      db.newUrl,
      { child: 'cid', parent: 'id', log: null },
      { batch: 700, copiers: 2, deleteOnOld: false },
    );
    expect(r.rows).toBe(5350);
    expect((await db.new.query(fingerprint('child', 'cid'))).rows[0]).toEqual(before.child);
    expect((await db.old.query(fingerprint('child', 'cid'))).rows[0]).toEqual(before.child);
    await db.new.query('TRUNCATE parent, child, log');
  });

  it("a failure on NEW mid-table rejects with it, at once, with most of OLD's COPY still unread", async () => {
    await db.old.query(`CREATE TABLE big (id int PRIMARY KEY, pad text)`);
    await db.new.query(`CREATE TABLE big (id int PRIMARY KEY, pad text)`);
    // Far more than the sockets buffer (about 25 MB), so OLD's server blocks sending it.
    await db.old.query(`INSERT INTO big SELECT g, repeat('x', 120) FROM generate_series(1, 200000) g`);
    await db.new.query(`INSERT INTO big VALUES (1500, 'already on NEW')`);
    const t0 = Date.now();
    await expect(
      runFloor(db.oldUrl, db.newUrl, { big: 'id' }, { batch: 1000, copiers: 2, deleteOnOld: true }),
    ).rejects.toThrow(/duplicate key/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await db.old.query('DROP TABLE big');
    await db.new.query('DROP TABLE big');
  }, 30_000);

  it('with the delete: NEW gets every row, OLD keeps none of a keyed table (children first, FKs not in the way)', async () => {
    const r = await runFloor(
      db.oldUrl,
      db.newUrl,
      { child: 'cid', parent: 'id', log: null },
      { batch: 700, copiers: 2, deleteOnOld: true },
    );
    expect(r.rows).toBe(5350);
    for (const [t, k] of [
      ['parent', 'id'],
      ['child', 'cid'],
      ['log', 'x'],
    ] as const)
      expect((await db.new.query(fingerprint(t, k))).rows[0]).toEqual(before[t]);
    expect(
      (
        await db.old.query(
          'SELECT (SELECT count(*) FROM parent)::int AS p, (SELECT count(*) FROM child)::int AS c, (SELECT count(*) FROM log)::int AS l',
        )
      ).rows[0],
    ).toEqual({ p: 0, c: 0, l: 300 });
  });
});
