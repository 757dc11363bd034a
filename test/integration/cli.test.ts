/**
 * The CLI as a user runs it: a child process, real servers, exit codes and what is printed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLI_ENTRY } from '../../tools/dev/cli.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const DEV_CLI = new URL(`../../${DEV_CLI_ENTRY}`, import.meta.url).pathname;

function fdwmig(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, all: r.stdout + r.stderr };
}

function withPassword(url: string, pw: string): string {
  const u = new URL(url);
  u.password = pw;
  return u.toString();
}

describe('the installed launcher (bin/fdwmig.js runs the bundle in dist/bundle/)', () => {
  // The other tests here run it against real servers (check reads sql/*.sql through it).
  it("--version prints package.json's version, and every command is there", () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(fdwmig(['--version'])).toMatchObject({ code: 0, out: `${version}\n` });
    const help = fdwmig(['--help']);
    expect(help.code).toBe(0);
    for (const c of [
      'check',
      'init-new',
      'migrate',
      'status',
      'verify',
      'finalize',
      'sequences',
      'cleanup',
      'replicate',
    ])
      expect(help.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    // The developer commands need the dev dependencies: the developer CLI has them, not the package.
    for (const c of ['demo', 'workload']) {
      expect(help.out).not.toMatch(new RegExp(`^  ${c} `, 'm'));
      expect(fdwmig([c])).toMatchObject({ code: 2, err: expect.stringContaining(`unknown command '${c}'`) });
    }
  });
});

describe('the developer CLI (fdwmig-dev, as make demo runs it from the build)', () => {
  it('--help lists demo and workload', () => {
    const r = spawnSync(process.execPath, [DEV_CLI, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const c of ['demo', 'workload']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
});

describe('fdwmig CLI against real servers', () => {
  let db: DbPair;
  let secret: string;
  beforeAll(async () => {
    db = await freshDatabases('cli');
    await applyFixture(db.old, 'features');
    await applyFixture(db.new, 'features');
    secret = decodeURIComponent(new URL(db.oldUrl).password);
  });
  afterAll(async () => db?.drop());

  it('check exits 0 and never prints the password', () => {
    const r = fdwmig(['check', '--old', db.oldUrl, '--new', db.newUrl]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('check: ready for init-new');
    expect(r.all).not.toContain(secret);
  });

  it('init-new --dry-run prints the plan with the password masked (URLs from the environment)', () => {
    const r = fdwmig(['init-new', '--dry-run'], { FDWMIG_OLD_URL: db.oldUrl, FDWMIG_NEW_URL: db.newUrl });
    expect(r.code).toBe(0);
    expect(r.out).toContain('CREATE USER MAPPING');
    expect(r.out).toContain("password '****'");
    expect(r.all).not.toContain(secret);
  });

  it('a wrong OLD password exits 1 with a one-line error and a hint, never echoing it', () => {
    const r = fdwmig(['init-new', '--old', withPassword(db.oldUrl, 'wrong-pw-123'), '--new', db.newUrl]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: cannot connect to the OLD server at .*\*\*\*\*/m);
    expect(r.err).toMatch(/hint: .*password/);
    expect(r.all).not.toContain('wrong-pw-123');
    expect(r.err).not.toMatch(/at .*\.js:\d+/); // no stack trace without --debug
  });

  it('an unreachable OLD exits 1 naming host and port in the hint', () => {
    const r = fdwmig(['check', '--old', 'postgres://u:pw@127.0.0.1:1/db', '--new', db.newUrl]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/connection refused/);
    expect(r.out).toMatch(/hint: check host and port/);
  });

  it('a missing database on NEW exits 1 with a hint', () => {
    const u = new URL(db.newUrl);
    u.pathname = '/no_such_db';
    const r = fdwmig(['init-new', '--old', db.oldUrl, '--new', u.toString()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no_such_db/);
    expect(r.err).toMatch(/hint:/);
  });

  it('bad flags and unknown commands exit 2', () => {
    expect(fdwmig(['init-new', '--old', db.oldUrl, '--new', db.newUrl, '--sequence-gap', 'lots']).code).toBe(2);
    expect(fdwmig(['frobnicate']).code).toBe(2);
    expect(fdwmig(['check', '--old', 'mysql://x', '--new', db.newUrl]).code).toBe(2);
  });
});
