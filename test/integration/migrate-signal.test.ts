/**
 * Ctrl-C or SIGTERM (a container runtime, Kubernetes) stops migrate after the batches in flight:
 * no batch is left half done, the exit code says the move is incomplete, and a re-run finishes.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { BANK_SCHEMA, bankData } from '../../tools/dev/workload.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, tableDigest, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;

function migrate(db: DbPair) {
  const child = spawn(process.execPath, [BIN, 'migrate', '--batch', '1000'], {
    env: { PATH: process.env.PATH ?? '', FDWMIG_OLD_URL: db.oldUrl, FDWMIG_NEW_URL: db.newUrl },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return {
    child,
    done: new Promise<{ code: number | null; out: string }>((r) => child.on('close', (code) => r({ code, out }))),
  };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('migrate receiving %s', (signal) => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases(`signal_${signal.toLowerCase()}`);
    await db.old.query(BANK_SCHEMA + bankData(100_000));
    await db.new.query(BANK_SCHEMA);
    await runInitNew(await configFor(db), testDeps());
  });
  afterAll(async () => db?.drop());

  it('finishes the batches in flight, exits 1 as incomplete, and a re-run completes', async () => {
    const before = await tableDigest(db.old, 'accounts', 'id');
    const run = migrate(db);
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const n = (
        await db.new
          .query(`SELECT count(*)::int AS n FROM fdwmig.batches WHERE state = 'moved'`)
          .catch(() => ({ rows: [{ n: 0 }] }))
      ).rows[0].n;
      if (n >= 2) break;
    }
    run.child.kill(signal);
    const stopped = await run.done;
    expect(stopped.out).toContain('stopping after the batches in flight');
    expect(stopped.code, stopped.out).toBe(1);
    expect(stopped.out).toMatch(/public\.accounts \(stopped\)/);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM fdwmig.batches WHERE state = 'copied'`)).rows[0].n).toBe(
      0,
    );
    expect((await db.old.query(`SELECT count(*)::int AS n FROM accounts`)).rows[0].n).toBeGreaterThan(0);
    const rerun = await migrate(db).done;
    expect(rerun.code, rerun.out).toBe(0);
    expect(await tableDigest(db.new, 'accounts', 'id')).toEqual(before);
  });
});
