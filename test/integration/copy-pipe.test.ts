/**
 * pipeCopy between real servers (OLD 13 -> NEW 17): CopyData messages pass through as they are
 * (src/exec/raw-copy.ts), in text and binary format, rows of every size arriving byte for byte;
 * an error on either side rejects with the server's error, and NEW's connection stays usable.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeCopy } from '../../src/exec/copy-pipe.js';
import { freshDatabases, type DbPair } from './support/databases.js';

const TABLE = `CREATE TABLE t (id int PRIMARY KEY, s text, b bytea, j jsonb, n numeric, ts timestamptz, a int[])`;
const COLS = 'id, s, b, j, n, ts, a';
const fingerprint = `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', ${COLS}), ',' ORDER BY id)) AS h FROM t`;

describe('pipeCopy', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('copy_pipe');
    await db.old.query(TABLE);
    await db.new.query(TABLE);
    // Small rows, then rows larger than a socket read (up to 3 MB), NULLs, quotes, tabs, newlines.
    await db.old
      .query(`INSERT INTO t SELECT g, 'r' || g || E'\\t"q"\\n' || repeat('x', g % 97), decode(md5(g::text), 'hex'),
        jsonb_build_object('g', g, 'arr', jsonb_build_array(g, 'x')), g * 1.5, '2026-01-01'::timestamptz + g * interval '1 minute', ARRAY[g, g + 1]
      FROM generate_series(1, 20000) g`);
    await db.old.query(
      `INSERT INTO t SELECT 20000 + g, repeat(md5(g::text), 100000 * g), NULL, NULL, NULL, NULL, NULL FROM generate_series(1, 1) g`,
    );
    await db.old.query(
      `INSERT INTO t SELECT 30000 + g, NULL, decode(repeat(md5(g::text), 50000), 'hex'), NULL, NULL, NULL, '{}' FROM generate_series(1, 3) g`,
    );
  });
  afterAll(async () => db?.drop());

  for (const format of ['text', 'binary'] as const) {
    it(`moves every row byte for byte (${format})`, async () => {
      await db.new.query('TRUNCATE t');
      const fmt = format === 'binary' ? ' WITH (FORMAT binary)' : '';
      const n = await pipeCopy(
        db.old,
        `COPY (SELECT ${COLS} FROM t) TO STDOUT${fmt}`,
        db.new,
        `COPY t (${COLS}) FROM STDIN${fmt}`,
      );
      expect(n).toBe(20004);
      expect((await db.new.query(fingerprint)).rows[0]).toEqual((await db.old.query(fingerprint)).rows[0]);
      // Both connections carry on with ordinary queries.
      expect((await db.old.query('SELECT 1 AS x')).rows[0].x).toBe(1);
      expect((await db.new.query('SELECT 2 AS x')).rows[0].x).toBe(2);
    });
  }

  /** A connection of its own: pipeCopy cuts the source after a failed COPY (copy-pipe.ts). */
  async function client(url: string): Promise<pg.Client> {
    const c = new pg.Client(url);
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  it('an error on OLD in the middle of the rows rejects with it; NEW keeps nothing and stays usable', async () => {
    const src = await client(db.oldUrl);
    await db.new.query('TRUNCATE t');
    await db.new.query('BEGIN');
    const failing = `COPY (SELECT ${COLS} FROM t WHERE id <= 20000 AND (id < 15000 OR 1 / (id - 15000) = 0) ORDER BY id) TO STDOUT`;
    await expect(pipeCopy(src, failing, db.new, `COPY t (${COLS}) FROM STDIN`)).rejects.toThrow(/division by zero/);
    await db.new.query('ROLLBACK');
    expect((await db.new.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
    expect((await db.old.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(20004);
    await src.end().catch(() => undefined);
  });

  it('an error on NEW (a duplicate key) rejects with it; NEW stays usable', async () => {
    const src = await client(db.oldUrl);
    await db.new.query('TRUNCATE t');
    await db.new.query(`INSERT INTO t (id) VALUES (19000)`);
    await expect(
      pipeCopy(src, `COPY (SELECT ${COLS} FROM t ORDER BY id) TO STDOUT`, db.new, `COPY t (${COLS}) FROM STDIN`),
    ).rejects.toThrow(/duplicate key/);
    expect((await db.new.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(1);
    await src.end().catch(() => undefined);
  });
});
