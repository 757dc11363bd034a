/**
 * Step 3 of a batch, the drain (docs/PROTOCOL.md): which sessions on NEW count as holding a
 * snapshot older than the copy, as seen by a superuser and by a plain mover role that may not
 * read other roles' activity (xact_start and backend_type hidden, backend_xmin shown).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHoldouts, type DrainPoint } from '../../src/exec/drain.js';
import { freshDatabases, type DbPair } from './support/databases.js';

const tag = Math.random().toString(36).slice(2, 8);
const APP = `drain_app_${tag}`;
const MOVER = `drain_mover_${tag}`;

function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = 'pw';
  return u.toString();
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client(url);
  await c.connect();
  return c;
}

/** The drain point just after a commit made now on NEW, as copyNextBatch takes it. */
async function commitNow(db: pg.Client): Promise<DrainPoint> {
  await db.query('BEGIN');
  const xid = (await db.query('SELECT pg_catalog.txid_current()::text AS x')).rows[0].x as string;
  await db.query('COMMIT');
  const at = (await db.query('SELECT clock_timestamp()::text AS t')).rows[0].t as string;
  return { at, xid };
}

describe('the drain on NEW', () => {
  let db: DbPair;
  const open: pg.Client[] = [];
  beforeAll(async () => {
    db = await freshDatabases('drain');
    for (const r of [APP, MOVER]) await db.new.query(`CREATE ROLE ${r} LOGIN PASSWORD 'pw'`);
  });
  afterAll(async () => {
    for (const c of open.splice(0)) await c.end().catch(() => undefined);
    await db?.drop();
    for (const r of [APP, MOVER]) await db.new.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
  });

  it.each([
    ['a superuser', false],
    ['a role without pg_read_all_stats', true],
  ])(
    'as %s: counts a session whose snapshot predates the commit until it ends, and none taken after',
    async (_who, plain) => {
      const viewer = plain ? await connect(asRole(db.newUrl, MOVER)) : db.new;
      if (plain) open.push(viewer);
      const before = await connect(asRole(db.newUrl, APP));
      const after = await connect(asRole(db.newUrl, APP));
      open.push(before, after);
      await before.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await before.query('SELECT 1');
      const point = await commitNow(db.new);
      // A snapshot taken after the commit has an xmin past the copy's id, unless a transaction
      // elsewhere on this shared server (another test file's) was still running when it was
      // taken; the plain role's view then counts it too, by design. Retake it until it is clean.
      const afterPid = (after as unknown as { processID: number }).processID;
      for (let tries = 1; ; tries++) {
        await after.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await after.query('SELECT 1');
        const held = (
          await db.new.query(
            `SELECT pg_catalog.age(backend_xmin) >= pg_catalog.age((($1::int8 % 4294967296)::text)::xid) AS held
            FROM pg_catalog.pg_stat_activity WHERE pid = $2`,
            [point.xid, afterPid],
          )
        ).rows[0].held as boolean;
        if (!held) break;
        expect(tries, 'a transaction elsewhere kept every new snapshot behind the commit').toBeLessThan(100);
        await after.query('COMMIT');
        await new Promise((r) => setTimeout(r, 20));
      }
      const ownPids = [(viewer as unknown as { processID: number }).processID];

      const holdouts = await findHoldouts(viewer, point, ownPids);
      expect(holdouts.map((h) => h.pid)).toEqual([(before as unknown as { processID: number }).processID]);
      expect(holdouts[0]!.user).toBe(APP);

      await before.query('COMMIT');
      expect(await findHoldouts(viewer, point, ownPids)).toEqual([]);
      await after.query('COMMIT');
    },
  );
});
