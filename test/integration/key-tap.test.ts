/**
 * The binary COPY key reader (src/exec/key-tap.ts) on a real server's stream: OLD's COPY ... TO
 * STDOUT WITH (FORMAT binary) of integer keys of each width, among other columns and NULLs.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryKeyParser, keyTap } from '../../src/exec/key-tap.js';
import { freshDatabases, type DbPair } from './support/databases.js';

describe('keys read from a binary COPY stream of OLD', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('keytap');
    await db.old.query(`CREATE TABLE kt (name text, id int PRIMARY KEY, big bigint NOT NULL, s smallint NOT NULL, b bytea, ts timestamptz)`);
    await db.old.query(`INSERT INTO kt SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE repeat('n', g % 50) END, g * 37 - 90000,
      (g::bigint - 3000) * 3037000499, (g % 65535) - 32767, CASE WHEN g % 3 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END, now()
      FROM generate_series(1, 5000) g`);
  });
  afterAll(async () => db?.drop());

  it('reads every key, of every integer width, as the server prints it', async () => {
    const parsers = [new BinaryKeyParser(1, 4), new BinaryKeyParser(2, 8), new BinaryKeyParser(3, 2)];
    const out = db.old.query(copyStreams.to(`COPY (SELECT name, id, big, s, b, ts FROM kt) TO STDOUT WITH (FORMAT binary)`));
    const sink = new Writable({ write: (_c, _e, done) => done() });
    await pipeline(out, keyTap(parsers[0]!), keyTap(parsers[1]!), keyTap(parsers[2]!), sink);
    const expected = (await db.old.query(`SELECT id::text, big::text, s::text FROM kt`)).rows;
    for (const p of parsers) expect(p.complete).toBe(true);
    expect(parsers[0]!.keys.sort()).toEqual(expected.map((r) => r.id).sort());
    expect(parsers[1]!.keys.sort()).toEqual(expected.map((r) => r.big).sort());
    expect(parsers[2]!.keys.sort()).toEqual(expected.map((r) => r.s).sort());
  });
});
