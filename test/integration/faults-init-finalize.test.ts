/**
 * init-new and finalize killed -9 after each step of their plans (FDWMIG_CRASH_AT=after-step:<n>
 * in src/exec/run-plan.ts), then run again: NEW ends exactly as after an uninterrupted run (a
 * fingerprint of catalog, state and rows), and OLD is untouched.
 *
 * Neither command changes OLD, so each group shares one OLD database, and every crash point
 * gets its own NEW database, copied from a template in the state the command starts from.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';
import { databaseFingerprint, firstDifference } from './support/fingerprint.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const PARALLEL = 4;

/** The CLI as a child process, to be killed at a crash point. */
function fdwmigKilled(args: string[], urls: { oldUrl: string; newUrl: string }, crashAt: string) {
  const env = {
    PATH: process.env.PATH ?? '',
    FDWMIG_OLD_URL: urls.oldUrl,
    FDWMIG_NEW_URL: urls.newUrl,
    FDWMIG_CRASH_AT: crashAt,
  };
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out })),
  );
}

/** The CLI's main() in this process (what bin/fdwmig.js runs), for runs that are not killed. */
async function fdwmig(args: string[], urls: { oldUrl: string; newUrl: string }) {
  let out = '';
  const write = (text: string) => void (out += text);
  const code = await main(['node', 'fdwmig', ...args], {
    stdout: write,
    stderr: write,
    isTTY: false,
    readFile: async () => '',
    env: { FDWMIG_OLD_URL: urls.oldUrl, FDWMIG_NEW_URL: urls.newUrl },
  });
  return { code, out };
}

async function onNewAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(inject('newAdminUrl'));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** NEW databases made by copying a template, all dropped at the end. */
function newCopies(prefix: string) {
  const made: string[] = [];
  return {
    async copy(template: string): Promise<string> {
      const name = `${prefix}_${randomBytes(3).toString('hex')}`;
      // The template's last session may still be exiting just after its client closed.
      for (let attempt = 0; ; attempt++) {
        try {
          await onNewAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
          break;
        } catch (err) {
          if (attempt > 50 || (err as { code?: string }).code !== '55006') throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      made.push(name);
      const u = new URL(inject('newAdminUrl'));
      u.pathname = `/${name}`;
      return u.toString();
    },
    dropAll: () =>
      onNewAdmin(async (c) => {
        for (const name of made) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

async function fingerprintOf(url: string): Promise<string> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await databaseFingerprint(c);
  } finally {
    await c.end();
  }
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The step count of a plan as --dry-run prints it (one `-- [id]` line per step). */
function countSteps(planText: string): number {
  return planText.split('\n').filter((l) => /^-- \[/.test(l)).length;
}

/**
 * For each n in 1..steps: a fresh NEW copy, the command killed after its n-th step, run again,
 * and NEW compared with the uninterrupted run's.
 */
function crashEveryStep(
  label: string,
  ctx: () => {
    oldUrl: string;
    template: string;
    steps: number;
    reference: string;
    copies: ReturnType<typeof newCopies>;
  },
  args: string[],
) {
  it(`${label}: killed after each step, a re-run ends where an uninterrupted run does`, async () => {
    const { oldUrl, template, steps, reference, copies } = ctx();
    expect(steps).toBeGreaterThan(5);
    const points = Array.from({ length: steps }, (_, i) => i + 1);
    // A few at a time: each point is a database copy and two CLI processes, mostly waiting.
    for (let i = 0; i < points.length; i += PARALLEL) {
      await Promise.all(
        points.slice(i, i + PARALLEL).map(async (n) => {
          const urls = { oldUrl, newUrl: await copies.copy(template) };
          const crashed = await fdwmigKilled(args, urls, `after-step:${n}`);
          expect(crashed.signal, `after-step:${n}\n${crashed.out}`).toBe('SIGKILL');
          const rerun = await fdwmig(args, urls);
          expect(rerun.code, `re-run after step ${n}\n${rerun.out}`).toBe(0);
          const end = await fingerprintOf(urls.newUrl);
          expect(end, `after step ${n}: ${firstDifference(reference, end)}`).toBe(reference);
        }),
      );
    }
  });
}

describe('init-new killed -9 after each step of its plan', () => {
  let db: DbPair;
  const copies = newCopies('faults_init');
  const state = { oldUrl: '', template: '', steps: 0, reference: '', oldBefore: '', copies };
  beforeAll(async () => {
    db = await freshDatabases('faults_init');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    state.oldUrl = db.oldUrl;
    state.oldBefore = await databaseFingerprint(db.old);
    const dry = await runInitNew(await configFor(db, { dryRun: true }), testDeps());
    state.steps = countSteps(dry.planText);
    await db.new.end();
    state.template = databaseOf(db.newUrl);
    const urls = { oldUrl: db.oldUrl, newUrl: await copies.copy(state.template) };
    const run = await fdwmig(['init-new'], urls);
    expect(run.code, run.out).toBe(0);
    state.reference = await fingerprintOf(urls.newUrl);
  });
  afterAll(async () => {
    await copies.dropAll();
    await db?.drop();
  });

  crashEveryStep('init-new', () => state, ['init-new']);

  it('left OLD as it was', async () => {
    expect(await databaseFingerprint(db.old)).toBe(state.oldBefore);
  });
});

describe('finalize killed -9 after each step of its plan', () => {
  let db: DbPair;
  const copies = newCopies('faults_fin');
  const state = { oldUrl: '', template: '', steps: 0, reference: '', oldBefore: '', copies };
  beforeAll(async () => {
    db = await freshDatabases('faults_fin');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    // events has no key, so migrate cannot move it and finalize would wait for it.
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    const moved = await runMigrate(await configFor(db, { finalize: false }), testDeps());
    expect(
      moved.tables.every((t) => t.status === 'moved'),
      JSON.stringify(moved.tables),
    ).toBe(true);
    state.oldUrl = db.oldUrl;
    state.oldBefore = await databaseFingerprint(db.old);
    const dry = await fdwmig(['finalize', '--dry-run'], db);
    expect(dry.code, dry.out).toBe(0);
    state.steps = countSteps(dry.out);
    await db.new.end();
    state.template = databaseOf(db.newUrl);
    const urls = { oldUrl: db.oldUrl, newUrl: await copies.copy(state.template) };
    const run = await fdwmig(['finalize'], urls);
    expect(run.code, run.out).toBe(0);
    state.reference = await fingerprintOf(urls.newUrl);
    expect(state.reference).toMatch(/FOREIGN KEY/);
  });
  afterAll(async () => {
    await copies.dropAll();
    await db?.drop();
  });

  crashEveryStep('finalize', () => state, ['finalize']);

  it('left OLD as it was', async () => {
    expect(await databaseFingerprint(db.old)).toBe(state.oldBefore);
  });
});
