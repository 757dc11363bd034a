/**
 * `fdwmig guard` through a restart of NEW (an immediate shutdown, as in a crash): it keeps
 * running, connects again once NEW is back, takes its lock again, and breaks the cross-server
 * deadlocks of the application's transactions after the restart as before. Servers of its own:
 * the shared ones must not restart under other test files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { startTestCluster, type Cluster } from '../../tools/dev/cluster-provider.js';
import { HOT_ROW_TRIES, startSaturatingWorkload, tpcbData, tpcbSchema } from '../../tools/dev/saturating-workload.js';
import { runSql } from './support/databases.js';
import { configFor, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const SHAPE = { branches: 2, accountsPerBranch: 500 };

describe('fdwmig guard through a restart of NEW', () => {
  let oldC: Cluster;
  let newC: Cluster;
  let urls: { oldUrl: string; newUrl: string };
  beforeAll(async () => {
    [oldC, newC] = await Promise.all([
      startTestCluster({ major: inject('oldMajor'), name: 'guard-old' }),
      startTestCluster({ major: inject('newMajor'), name: 'guard-new' }),
    ]);
    urls = { oldUrl: oldC.url(), newUrl: newC.url() };
    await runSql(urls.oldUrl, tpcbSchema() + tpcbData(SHAPE.branches, SHAPE.accountsPerBranch));
    await runSql(urls.newUrl, tpcbSchema());
    await runInitNew(await configFor(urls), testDeps());
    const moved = await runMigrate(
      await configFor(urls, { tables: ['public.pgbench_history', 'public.pgbench_tellers'], finalize: false }),
      testDeps(),
    );
    expect(moved.tables.map((t) => t.status)).toEqual(['moved', 'moved']);
  });
  afterAll(async () => {
    await Promise.all([oldC?.destroy(), newC?.destroy()]);
  });

  it('connects again and breaks the deadlocks after the restart', async () => {
    let out = '';
    const guard: ChildProcess = spawn(process.execPath, [BIN, 'guard', '--json'], {
      env: { PATH: process.env.PATH ?? '', FDWMIG_OLD_URL: urls.oldUrl, FDWMIG_NEW_URL: urls.newUrl },
    });
    guard.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    guard.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await delay(1_000);
      await newC.stop('immediate');
      await delay(2_500);
      await newC.start();
      await delay(4_000);
      expect(guard.exitCode, out).toBeNull();
      const before = out.match(/deadlock across OLD and NEW \(.*\); cancelled/g)?.length ?? 0;
      const load = startSaturatingWorkload(urls.newUrl, {
        tpcb: 4,
        reverse: 2,
        ...SHAPE,
        stuckAfterMs: 5_000,
        maxTries: HOT_ROW_TRIES,
      });
      await delay(6_000);
      const r = await load.stop();
      console.log(`workload after NEW's restart: ${JSON.stringify(r)}`);
      expect(out).toContain('guard: could not read lock waits');
      expect(r.stuck, out).toBe(0);
      expect(r.failed, r.errors.join('; ')).toBe(0);
      const after = out.match(/deadlock across OLD and NEW \(.*\); cancelled/g)?.length ?? 0;
      expect(after - before, out).toBeGreaterThan(0);
    } finally {
      guard.kill('SIGTERM');
      if (guard.exitCode === null) await once(guard, 'exit');
    }
  });
});
