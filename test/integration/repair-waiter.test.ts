/**
 * The slow path's repair of a changed row, seen by a writer that waits on NEW's copy meanwhile.
 * The repair updates the copy in place: the writer, once the repair commits, follows the update
 * and changes the repaired row. (A delete and re-insert would leave it nothing to update: its
 * statement would report 0 rows, and through the parent table its write could be lost if its
 * OLD snapshot came after OLD's delete; docs/PROTOCOL.md, step 5.)
 */
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';
import { until } from './support/until.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
// One pipe: with two, OLD's estimate can split customers into two key ranges, whose batches the
// kill after the first copy's commit leaves copied together (as in migrate-crash.test.ts).
const ARGS = [
  'migrate',
  '--batch',
  '10',
  '--concurrency',
  '1',
  '--tables',
  'public.customers',
  '--no-finalize',
  '--lock-timeout-ms',
  '20000',
];

function env(db: DbPair, crashAt?: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    FDWMIG_OLD_URL: db.oldUrl,
    FDWMIG_NEW_URL: db.newUrl,
    ...(crashAt ? { FDWMIG_CRASH_AT: crashAt } : {}),
  };
}

describe('a writer waiting on a copy while the slow path repairs it', () => {
  let db: DbPair | undefined;
  const clients: pg.Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await db?.drop();
  });

  it('changes the repaired row once the repair commits: its UPDATE reports 1 row, and both changes survive', async () => {
    db = await freshDatabases('repair_waiter');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    const crashed = spawnSync(process.execPath, [BIN, ...ARGS], {
      env: env(db, 'after-copy-commit:1'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(crashed.signal).toBe('SIGKILL');
    // Row 1 changes on OLD only (a statement whose snapshot predated the copy): the batch takes the slow path.
    await db.old.query(`UPDATE customers SET name = 'changed on OLD' WHERE id = 1`);

    // Hold row 5 on OLD, so the repair waits there while it holds NEW's copies.
    const holder = new pg.Client(db.oldUrl);
    const writer = new pg.Client(db.newUrl);
    clients.push(holder, writer);
    await holder.connect();
    await writer.connect();
    await holder.query(`BEGIN; SELECT 1 FROM customers WHERE id = 5 FOR UPDATE`);
    const holderPid = (await holder.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;

    const child = spawn(process.execPath, [BIN, ...ARGS], { env: env(db), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(
        db.old,
        `SELECT 1 FROM pg_stat_activity WHERE ${holderPid} = ANY (pg_blocking_pids(pid))`,
        'the repair to wait on OLD',
      );
      // The repair now holds NEW's copies of the batch's keys. A writer on NEW's copy of row 1 waits for it.
      const writing = writer.query(`UPDATE ONLY customers SET name = name || ' +app' WHERE id = 1`);
      const writerPid = (writer as unknown as { processID: number }).processID;
      await until(
        db.new,
        `SELECT 1 FROM pg_stat_activity WHERE pid = ${writerPid} AND wait_event_type = 'Lock'`,
        'the writer to wait on NEW',
      );
      await holder.query('ROLLBACK');
      const written = await writing;
      expect(written.rowCount).toBe(1);
      expect(await exited, out).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const row = await db.new.query(`SELECT name FROM ONLY customers WHERE id = 1`);
    expect(row.rows).toEqual([{ name: 'changed on OLD +app' }]);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM customers`)).rows[0].n).toBe(0);
  });
});
