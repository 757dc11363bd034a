/**
 * cleanup killed -9 after each step of its plan (on NEW, then OLD), then run again: both
 * servers end exactly as after an uninterrupted cleanup. Each crash point gets its own copies
 * of OLD and NEW as a finished migration left them (cleanup changes both).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { freshDatabases, type DbPair, withDb } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';
import { databaseFingerprint, firstDifference } from './support/fingerprint.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const PARALLEL = 4;

type Urls = { oldUrl: string; newUrl: string };

function cleanupKilled(urls: Urls, crashAt: string) {
  const env = {
    PATH: process.env.PATH ?? '',
    FDWMIG_OLD_URL: urls.oldUrl,
    FDWMIG_NEW_URL: urls.newUrl,
    FDWMIG_CRASH_AT: crashAt,
  };
  const child = spawn(process.execPath, [BIN, 'cleanup'], { env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise<{ signal: string | null; out: string }>((resolve) =>
    child.on('close', (_code, signal) => resolve({ signal, out })),
  );
}

async function cleanup(urls: Urls, extra: string[] = []) {
  let out = '';
  const write = (text: string) => void (out += text);
  const code = await main(['node', 'fdwmig', 'cleanup', ...extra], {
    stdout: write,
    stderr: write,
    isTTY: false,
    readFile: async () => '',
    env: { FDWMIG_OLD_URL: urls.oldUrl, FDWMIG_NEW_URL: urls.newUrl },
  });
  return { code, out };
}

function onDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const nameOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

describe('cleanup killed -9 after each step of its plan', () => {
  let db: DbPair;
  const made: { admin: string; name: string }[] = [];
  let templates: { old: string; new: string };
  let reference: { old: string; new: string };
  let steps = 0;

  /** Copies of the finished migration; NEW's record names the copy of OLD as its source. */
  async function copies(): Promise<Urls> {
    const suffix = randomBytes(3).toString('hex');
    const names = { old: `faults_cl_old_${suffix}`, new: `faults_cl_new_${suffix}` };
    for (const side of ['old', 'new'] as const) {
      const admin = inject(side === 'old' ? 'oldAdminUrl' : 'newAdminUrl');
      // The template's last session may still be exiting just after its client closed.
      for (let attempt = 0; ; attempt++) {
        try {
          await withDb(admin, (c) => c.query(`CREATE DATABASE "${names[side]}" TEMPLATE "${templates[side]}"`));
          break;
        } catch (err) {
          if (attempt > 50 || (err as { code?: string }).code !== '55006') throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      made.push({ admin, name: names[side] });
    }
    const urls = {
      oldUrl: onDatabase(inject('oldAdminUrl'), names.old),
      newUrl: onDatabase(inject('newAdminUrl'), names.new),
    };
    await withDb(urls.newUrl, (c) =>
      c.query(`UPDATE fdwmig.migration SET old_identity = replace(old_identity, $1, $2)`, [
        `db=${templates.old}`,
        `db=${names.old}`,
      ]),
    );
    return urls;
  }

  const fingerprints = async (urls: Urls) => ({
    old: await withDb(urls.oldUrl, (c) => databaseFingerprint(c)),
    new: await withDb(urls.newUrl, (c) => databaseFingerprint(c)),
  });

  beforeAll(async () => {
    db = await freshDatabases('faults_cl');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    const moved = await runMigrate(await configFor(db), testDeps());
    expect(moved.finalized, JSON.stringify(moved.tables)).not.toBeNull();
    const dry = await cleanup(db, ['--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    steps = dry.out.split('\n').filter((l) => /^-- \[/.test(l)).length;
    await db.old.end();
    await db.new.end();
    templates = { old: nameOf(db.oldUrl), new: nameOf(db.newUrl) };
    const urls = await copies();
    const run = await cleanup(urls);
    expect(run.code, run.out).toBe(0);
    reference = await fingerprints(urls);
  });
  afterAll(async () => {
    for (const { admin, name } of made)
      await withDb(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    await db?.drop();
  });

  it('a re-run ends where an uninterrupted cleanup does, on NEW and OLD', async () => {
    expect(steps).toBeGreaterThan(5);
    expect(reference.old).not.toContain('moved_batches');
    expect(reference.new).not.toMatch(/_remote|fdwmig_old/);
    const points = Array.from({ length: steps }, (_, i) => i + 1);
    for (let i = 0; i < points.length; i += PARALLEL) {
      await Promise.all(
        points.slice(i, i + PARALLEL).map(async (n) => {
          const urls = await copies();
          const crashed = await cleanupKilled(urls, `after-step:${n}`);
          expect(crashed.signal, `after-step:${n}\n${crashed.out}`).toBe('SIGKILL');
          const rerun = await cleanup(urls);
          expect(rerun.code, `re-run after step ${n}\n${rerun.out}`).toBe(0);
          const end = await fingerprints(urls);
          expect(end.new, `NEW after step ${n}: ${firstDifference(reference.new, end.new)}`).toBe(reference.new);
          expect(end.old, `OLD after step ${n}: ${firstDifference(reference.old, end.old)}`).toBe(reference.old);
        }),
      );
    }
  });
});
