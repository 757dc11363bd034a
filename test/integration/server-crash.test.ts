/**
 * Point 1 of the migrate issue, server side: NEW or OLD stopped with an immediate shutdown (a
 * crash: no checkpoint, clients cut off) in the middle of a move, restarted, and migrate re-run.
 * These servers are this file's own, since crashing the shared ones would hit other files.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type Cluster } from '../../tools/dev/cluster-provider.js';
import { BANK_SCHEMA, bankData } from '../../tools/dev/workload.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { inject } from 'vitest';
import { runSql } from './support/databases.js';
import { configFor, tableDigest, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const ACCOUNTS = 150_000;

function runMigrate(urls: { oldUrl: string; newUrl: string }) {
  const child = spawn(
    process.execPath,
    [BIN, 'migrate', '--batch', '2000', '--old', urls.oldUrl, '--new', urls.newUrl],
    { env: { PATH: process.env.PATH ?? '' } },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  // Bounded: a migrate that never exits fails the test with what it printed, instead of hanging it.
  const done = new Promise<{ code: number | null; out: string }>((r) => {
    const timer = setTimeout(() => {
      out += '\n[test: no exit after 60 s, killed]';
      child.kill('SIGKILL');
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      r({ code, out });
    });
  });
  return { done, output: () => out };
}

describe.each(['NEW', 'OLD'] as const)('%s crashes (immediate shutdown) mid-move', (victim) => {
  let oldC: Cluster;
  let newC: Cluster;
  let urls: { oldUrl: string; newUrl: string };
  beforeAll(async () => {
    [oldC, newC] = await Promise.all([
      startTestCluster({ major: inject('oldMajor'), name: 'crash-old' }),
      startTestCluster({ major: inject('newMajor'), name: 'crash-new' }),
    ]);
    urls = { oldUrl: oldC.url(), newUrl: newC.url() };
    await runSql(
      urls.oldUrl,
      BANK_SCHEMA +
        bankData(ACCOUNTS) +
        `INSERT INTO ledger (account_id, delta) SELECT g, 1 FROM generate_series(1, ${ACCOUNTS}) g`,
    );
    await runSql(urls.newUrl, BANK_SCHEMA);
    await runInitNew(await configFor(urls), testDeps());
  });
  afterAll(async () => {
    await Promise.all([oldC?.destroy(), newC?.destroy()]);
  });

  it('fails with a clear error, and a re-run after restart completes with every row exactly once', async () => {
    const c = new pg.Client(urls.oldUrl);
    await c.connect();
    const before = { accounts: await tableDigest(c, 'accounts', 'id'), ledger: await tableDigest(c, 'ledger', 'id') };
    await c.end();
    const first = runMigrate(urls);
    // Crash once rows are moving: wait until a few batches have moved.
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const moved = await runSql(
        urls.newUrl,
        `SELECT count(*)::int AS n FROM fdwmig.batches WHERE state = 'moved'`,
      ).catch(() => [{ n: 0 }]);
      if (moved[0]!.n >= 3) break;
    }
    const cluster = victim === 'NEW' ? newC : oldC;
    await cluster.stop('immediate');
    const failed = await first.done;
    console.log(
      failed.out
        .split('\n')
        .filter((l) => !/: [0-9]+\/[0-9]+ rows/.test(l))
        .join('\n'),
    );
    expect(failed.code, failed.out).toBe(1);
    expect(failed.out).toMatch(/^error: /m);
    expect(failed.out).toMatch(/hint: /);
    expect(failed.out).toContain(`lost the connection to ${victim}`);
    await cluster.start();
    const second = runMigrate(urls);
    const ok = await second.done;
    expect(ok.code, ok.out).toBe(0);
    const n = new pg.Client(urls.newUrl);
    await n.connect();
    try {
      expect(await tableDigest(n, 'accounts', 'id')).toEqual(before.accounts);
      expect(await tableDigest(n, 'ledger', 'id')).toEqual(before.ledger);
    } finally {
      await n.end();
    }
    expect(
      (await runSql(urls.oldUrl, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM ledger) AS n`))[0]!.n,
    ).toBe('0');
  });
});
