/**
 * The cross-server deadlock guard (issue: a saturating application that locks in any order).
 * pgbench's TPC-B in both lock orders, unthrottled, against NEW while pgbench_tellers lives on
 * NEW and the other tables on OLD: two transactions wait for each other across the servers,
 * which no server's detector sees. With `fdwmig guard` running, every such wait is broken
 * within seconds by a logged cancel, and the invariant holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import {
  HOT_ROW_TRIES,
  startSaturatingWorkload,
  tpcbData,
  tpcbSchema,
  type WorkloadReport,
} from '../../tools/dev/saturating-workload.js';
import { expectTpcbInvariant } from './support/tpcb.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const SHAPE = { branches: 2, accountsPerBranch: 500 };

function startGuard(db: DbPair): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = spawn(process.execPath, [BIN, 'guard', '--json'], {
    env: { PATH: process.env.PATH ?? '', FDWMIG_OLD_URL: db.oldUrl, FDWMIG_NEW_URL: db.newUrl },
  });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

async function runLoad(db: DbPair, ms: number): Promise<WorkloadReport> {
  const load = startSaturatingWorkload(db.newUrl, {
    tpcb: 4,
    reverse: 2,
    ...SHAPE,
    stuckAfterMs: 5_000,
    maxTries: HOT_ROW_TRIES,
  });
  await delay(ms);
  return load.stop();
}

describe('fdwmig guard: deadlocks across OLD and NEW', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('guard');
    await db.old.query(tpcbSchema() + tpcbData(SHAPE.branches, SHAPE.accountsPerBranch));
    await db.new.query(tpcbSchema());
    await runInitNew(await configFor(db), testDeps());
    // Tellers (and history) on NEW, branches and accounts on OLD: every transaction writes both.
    const moved = await runMigrate(
      await configFor(db, { tables: ['public.pgbench_history', 'public.pgbench_tellers'], finalize: false }),
      testDeps(),
    );
    expect(moved.tables.map((t) => t.status)).toEqual(['moved', 'moved']);
  });
  afterAll(async () => db?.drop());

  it('breaks every cross-server deadlock within seconds; the application retries and loses nothing', async () => {
    const guard = startGuard(db);
    let r: WorkloadReport;
    try {
      // The guard names postgres_fdw's sessions for the application's connections opened after it.
      await delay(1_000);
      r = await runLoad(db, 8_000);
      console.log(`workload with the guard: ${JSON.stringify(r)}`);
      expect(r.stuck, 'clients left waiting').toBe(0);
      // A cycle is broken on its second sighting (0.4-0.8 s); the rest is the retries' own waits on a
      // busy 2-core machine. Without the guard the clients wait until they are cut off.
      expect(r.maxTryMs, 'the longest try (ms)').toBeLessThan(8_000);
      expect(r.failed, r.errors.join('; ')).toBe(0);
      expect(r.committed).toBeGreaterThan(100);
      await expectTpcbInvariant(db.newUrl, r.committed);
    } finally {
      guard.child.kill('SIGTERM');
      await once(guard.child, 'exit');
    }
    // The cancels the application retried are the guard's, each logged (a cancel that reaches a
    // statement already done cancels nothing). Read once the guard has exited: its last log line
    // may reach the pipe after the application has seen that cancel.
    const cancels = guard.out().match(/guard: deadlock across OLD and NEW \(.*\); cancelled/g)?.length ?? 0;
    expect(r.retries['57014'] ?? 0, guard.out()).toBeGreaterThan(0);
    expect(r.retries['57014'] ?? 0, guard.out()).toBeLessThanOrEqual(cancels);
    expect(guard.out()).toMatch(/"event":"summary".*"cancelled":\d+/);
  });

  it('refuses a second guard for the same NEW database (exit 1, with a hint)', async () => {
    const first = startGuard(db);
    try {
      await delay(1_500);
      const second = startGuard(db);
      const [code] = (await once(second.child, 'exit')) as [number];
      expect(code).toBe(1);
      expect(second.out()).toContain('another fdwmig guard is running against this NEW database');
    } finally {
      first.child.kill('SIGTERM');
      await once(first.child, 'exit');
    }
  });

  it('migrate relies on a guard already running, and still moves', async () => {
    const guard = startGuard(db);
    try {
      await delay(1_500);
      const deps = testDeps();
      const r = await runMigrate(await configFor(db, { tables: ['public.pgbench_branches'], finalize: false }), deps);
      expect(r.tables.map((t) => t.status)).toEqual(['moved']);
      expect(r.deadlocksBroken).toBe(0);
      expect(deps.lines).toContain('info: guard: another fdwmig guard watches this NEW database; migrate relies on it');
    } finally {
      guard.child.kill('SIGTERM');
      await once(guard.child, 'exit');
    }
  });

  it('migrate goes on, warning, when its guard cannot start', async () => {
    const deps = testDeps();
    const connect = deps.connect;
    // The guard's own connections fail (as when the server has no connection left for them).
    deps.connect = (url, which, appName) =>
      appName === 'fdwmig guard' ? Promise.reject(new Error('too many clients already')) : connect(url, which, appName);
    const r = await runMigrate(await configFor(db, { tables: ['public.pgbench_accounts'], finalize: false }), deps);
    expect(r.tables.map((t) => t.status)).toEqual(['moved']);
    expect(deps.lines).toContainEqual(
      expect.stringMatching(/^warn: guard: not started \(too many clients already\); deadlocks across OLD and NEW/),
    );
  });
});
