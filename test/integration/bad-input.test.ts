/**
 * Bad input, as a user meets it: the CLI's main() against real servers, with the process's I/O
 * (bin/fdwmig.js only sets the exit code main() returns; test/integration/cli.test.ts runs the
 * real binary). Each case must print one error line and a hint (no stack trace), exit 1
 * (runtime) or 2 (usage/config), and leave both servers exactly as they were (a fingerprint of
 * catalog and rows).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';
import { databaseFingerprint, firstDifference } from './support/fingerprint.js';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** `fdwmig <args>` with this environment, relative paths taken from `cwd`. */
async function fdwmig(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(['node', 'fdwmig', ...args], {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    isTTY: false,
    env: { PATH: process.env.PATH ?? '', ...env },
    readFile: (path) => readFile(resolve(cwd, path), 'utf8'),
  });
  return { code, out, err };
}

function withUrl(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

interface Urls {
  old: string;
  new: string;
  /** A second OLD database: another source, with a schema that differs from NEW's. */
  otherOld: string;
}

interface Case {
  name: string;
  args: (u: Urls) => string[];
  env?: (u: Urls) => Record<string, string>;
  code: 0 | 1 | 2;
  /** The error line (after `error: `). */
  error?: RegExp;
  hint?: RegExp;
  /** Text that must appear nowhere in the output (a wrong password, say). */
  never?: string;
}

const DB = (u: Urls) => ['--old', u.old, '--new', u.new];

/** Inputs refused before anything could change, on a NEW that init-new has not touched. */
const BEFORE_INIT: Case[] = [
  {
    name: 'unreachable OLD host',
    args: (u) => ['init-new', '--old', 'postgres://app:Unre4chable@127.0.0.1:1/shop', '--new', u.new],
    code: 1,
    error: /^cannot connect to the OLD server at postgres:\/\/app:\*\*\*\*@127\.0\.0\.1:1\/shop: connection refused/,
    hint: /check host and port in --old/,
    never: 'Unre4chable',
  },
  {
    name: 'unknown NEW host',
    args: (u) => ['init-new', '--old', u.old, '--new', 'postgres://app@no-such-host.invalid/shop'],
    code: 1,
    error: /^cannot connect to the NEW server .*(host not found|timed out)/,
    hint: /--new/,
  },
  {
    name: 'wrong OLD password',
    args: (u) => ['init-new', '--old', withUrl(u.old, (x) => (x.password = 'Wr0ng-Secret')), '--new', u.new],
    code: 1,
    error: /^cannot connect to the OLD server .*password authentication failed/,
    hint: /password/,
    never: 'Wr0ng-Secret',
  },
  {
    name: 'wrong NEW password from a password file',
    args: (u) => ['migrate', ...DB(u), '--new-password-file', 'wrong.pw'],
    code: 1,
    error: /^cannot connect to the NEW server .*password authentication failed/,
    hint: /--new-password-file/,
    never: 'file-Wr0ng',
  },
  {
    name: 'no password for OLD anywhere',
    args: (u) => ['init-new', '--old', withUrl(u.old, (x) => (x.password = '')), '--new', u.new],
    env: () => ({ PGPASSFILE: '/nonexistent/pgpass' }),
    code: 1,
    error: /^cannot connect to the OLD server .*: the server asks for a password and none was given/,
    hint: /--old-password-file.*PGPASSFILE/,
  },
  {
    name: 'missing OLD database',
    args: (u) => ['check', '--old', withUrl(u.old, (x) => (x.pathname = '/no_such_db')), '--new', u.new],
    code: 1,
    error: /^check found 1 problem/,
    hint: /fix what is marked/,
  },
  {
    name: 'missing NEW database',
    args: (u) => ['init-new', '--old', u.old, '--new', withUrl(u.new, (x) => (x.pathname = '/no_such_db'))],
    code: 1,
    error: /^cannot connect to the NEW server .*no_such_db.*database does not exist/,
    hint: /create the database or fix its name/,
  },
  {
    name: 'malformed URL (port)',
    args: (u) => ['init-new', '--old', 'postgres://app:Malf0rmed@old-db:port/shop', '--new', u.new],
    code: 2,
    error: /^OLD server URL \(--old \/ FDWMIG_OLD_URL\): malformed connection URL/,
    hint: /port must be a number/,
    never: 'Malf0rmed',
  },
  {
    name: 'not a PostgreSQL URL',
    args: (u) => ['check', '--old', u.old, '--new', 'mysql://app@new-db/shop'],
    code: 2,
    error: /^NEW server URL .*not a PostgreSQL connection URL/,
    hint: /postgres:\/\//,
  },
  {
    name: 'bad percent-encoding in the URL',
    args: (u) => ['check', '--old', 'postgres://app:50%zz@old-db/shop', '--new', u.new],
    code: 2,
    error: /bad percent-encoding in the password/,
    hint: /%25/,
    never: '50%zz',
  },
  {
    name: '--batch 0',
    args: (u) => ['migrate', ...DB(u), '--batch', '0'],
    code: 2,
    error: /^--batch must be a whole number from 1 to 1000000, got '0'$/m,
    hint: /fdwmig migrate --help/,
  },
  {
    name: '--batch lots',
    args: (u) => ['migrate', ...DB(u), '--batch', 'lots'],
    code: 2,
    error: /^--batch must be a whole number from 1 to 1000000, got 'lots'$/m,
    hint: /fdwmig migrate --help/,
  },
  {
    name: '--lock-timeout-ms 1.5',
    args: (u) => ['init-new', ...DB(u), '--lock-timeout-ms', '1.5'],
    code: 2,
    error: /^--lock-timeout-ms must be a whole number >= 1, got '1.5'/,
    hint: /fdwmig init-new --help/,
  },
  {
    name: 'option without its value',
    args: () => ['check', '--old'],
    code: 2,
    error: /^option '--old <url>' argument missing/,
    hint: /--help/,
  },
  {
    name: 'unknown command',
    args: () => ['migrat'],
    code: 2,
    error: /^unknown command 'migrat'/,
    hint: /did you mean migrate\?/,
  },
  {
    name: 'unknown option',
    args: (u) => ['migrate', ...DB(u), '--batch-size', '10'],
    code: 2,
    error: /^unknown option '--batch-size'/,
    hint: /fdwmig migrate --help/,
  },
  {
    name: 'no URLs at all',
    args: () => ['init-new'],
    code: 2,
    error: /^missing the OLD server URL and the NEW server URL/,
    hint: /FDWMIG_OLD_URL/,
  },
  {
    name: 'config file that is not JSON',
    args: () => ['init-new', '--config', 'broken.json'],
    code: 2,
    error: /^config file broken\.json is not valid JSON/,
    hint: /one JSON object/,
  },
  {
    name: 'config file with unknown keys and a bad value',
    args: () => ['init-new', '--config', 'unknown-keys.json'],
    code: 2,
    error:
      /^invalid config file unknown-keys\.json:\n- batchSize: expected a whole number from 1 to 1000000\n- batch_size: unknown key \(did you mean 'batchSize'\?\)\n- colour: unknown key$/m,
    hint: /fdwmig config --help/,
  },
  {
    name: 'config file from FDWMIG_CONFIG that does not exist',
    args: () => ['check'],
    env: () => ({ FDWMIG_CONFIG: 'nowhere.json' }),
    code: 2,
    error: /^config file not found: nowhere\.json/,
    hint: /FDWMIG_CONFIG/,
  },
  {
    name: 'empty password file',
    args: (u) => ['init-new', ...DB(u), '--old-password-file', 'empty.pw'],
    code: 2,
    error: /^the OLD password file empty\.pw is empty/,
    hint: /--old-password-file/,
  },
  {
    name: "NEW's schema differs from OLD's",
    args: (u) => ['init-new', '--old', u.otherOld, '--new', u.new],
    code: 1,
    error:
      /^1 problem\(s\) prevent init-new; nothing was changed:\n {2}- public\.categories: .*label.*type is character varying\(50\) on OLD but text on NEW/m,
    hint: /fix NEW's schema/,
  },
  {
    name: 'a mapping role that does not exist on NEW',
    args: (u) => ['init-new', ...DB(u), '--mapping-roles', 'no_such_role'],
    code: 1,
    error: /^--mapping-roles names role\(s\) NEW does not have: no_such_role; nothing was changed/,
    hint: /CREATE ROLE/,
  },
  {
    name: '--tables naming a table OLD does not have',
    args: (u) => ['init-new', ...DB(u), '--tables', 'public.custmers'],
    code: 2,
    error: /^--tables public\.custmers: no such table on OLD/,
    hint: /case-sensitive/,
  },
  {
    name: 'init-new with OLD as NEW too (another spelling of the URL)',
    args: (u) => [
      'init-new',
      '--old',
      u.old,
      '--new',
      withUrl(u.old, (x) => x.searchParams.set('application_name', 'x')),
    ],
    code: 2,
    error: /^--old and --new name the same database \(sysid=\d+ db=badinput_\w+\); nothing was changed/,
    hint: /NEW must be another database/,
  },
  {
    name: 'check with OLD as NEW too',
    args: (u) => ['check', '--old', u.old, '--new', u.old],
    code: 2,
    error: /^--old and --new name the same database/,
    hint: /--new/,
  },
  {
    name: 'init-new with --old and --new swapped (NEW holds the rows)',
    args: (u) => ['init-new', '--old', u.new, '--new', u.old],
    code: 1,
    error:
      /^NEW's .*public\.customers.* already hold\(s\) rows; init-new needs NEW's tables empty; nothing was changed/,
    hint: /swapped/,
  },
  {
    name: 'migrate before init-new',
    args: (u) => ['migrate', ...DB(u)],
    code: 1,
    error: /^NEW has not been set up by init-new yet$/m,
    hint: /run fdwmig init-new first/,
  },
  {
    name: 'finalize before init-new',
    args: (u) => ['finalize', ...DB(u)],
    code: 1,
    error: /^NEW has not been set up by init-new yet$/m,
    hint: /init-new/,
  },
  { name: 'cleanup before init-new has nothing to drop', args: (u) => ['cleanup', ...DB(u)], code: 0 },
];

/** Inputs refused once NEW serves OLD's rows (init-new done, nothing moved yet). */
const AFTER_INIT: Case[] = [
  {
    name: 'init-new against a NEW set up for another OLD',
    args: (u) => ['init-new', '--old', u.otherOld, '--new', u.new],
    code: 1,
    error: /^NEW was set up by fdwmig for another OLD/,
    hint: /check --old; to start over, run 'fdwmig cleanup'/,
  },
  {
    name: 'migrate with another OLD',
    args: (u) => ['migrate', '--old', u.otherOld, '--new', u.new],
    code: 1,
    error: /^NEW was set up for another OLD/,
    hint: /check --old/,
  },
  {
    name: 'cleanup with another OLD',
    args: (u) => ['cleanup', '--old', u.otherOld, '--new', u.new],
    code: 1,
    error: /^NEW was set up for another OLD.*nothing was dropped/,
    hint: /check --old/,
  },
  {
    name: 'cleanup while rows remain on OLD',
    args: (u) => ['cleanup', ...DB(u)],
    code: 1,
    error: /^cleanup refused; nothing was dropped:\n(?: {2}- .*\n)* {2}- public\.customers: 50 row\(s\) still on OLD$/m,
    hint: /run 'fdwmig migrate'/,
  },
  {
    name: 'finalize while rows remain on OLD',
    args: (u) => ['finalize', ...DB(u)],
    code: 1,
    error: /row\(s\) on OLD; FKs stay off until every row has moved/,
    hint: /run fdwmig migrate/,
  },
  {
    name: 'migrate --batch 0 after init-new',
    args: (u) => ['migrate', ...DB(u), '--batch', '0'],
    code: 2,
    error: /^--batch must be/,
  },
];

function expectReported(c: Case, r: Run): void {
  const all = r.out + r.err;
  expect(r.code, all).toBe(c.code);
  expect(all).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m); // no stack trace without --debug
  if (c.never) expect(all).not.toContain(c.never);
  if (c.code === 0) return;
  // Printed once, on stderr: `error: <message>`, then an indented hint.
  expect(r.err.match(/^error: /gm), r.err).toHaveLength(1);
  const message = r.err.slice(r.err.indexOf('error: ') + 'error: '.length);
  if (c.error) expect(message, r.err).toMatch(c.error);
  expect(r.err, r.err).toMatch(/^ {2}hint: \S/m);
  if (c.hint) expect(r.err.slice(r.err.indexOf('  hint: ')), r.err).toMatch(c.hint);
}

describe('bad input: one error with a hint, exit 1 or 2, nothing changed on either server', () => {
  let db: DbPair;
  let other: DbPair;
  let urls: Urls;
  let dir: string;
  const fingerprints = async () =>
    Promise.all([databaseFingerprint(db.old), databaseFingerprint(db.new), databaseFingerprint(other.old)]);

  beforeAll(async () => {
    [db, other] = await Promise.all([freshDatabases('badinput'), freshDatabases('badinput_other')]);
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await applyFixture(other.old, 'features');
    await other.old.query(`ALTER TABLE categories ALTER COLUMN label TYPE varchar(50)`);
    urls = { old: db.oldUrl, new: db.newUrl, otherOld: other.oldUrl };
    dir = mkdtempSync(join(tmpdir(), 'fdwmig-badinput-'));
    writeFileSync(join(dir, 'broken.json'), '{"oldUrl": "postgres://a/b",');
    writeFileSync(
      join(dir, 'unknown-keys.json'),
      JSON.stringify({ oldUrl: db.oldUrl, newUrl: db.newUrl, batchSize: 0, batch_size: 5, colour: 'red' }),
    );
    writeFileSync(join(dir, 'empty.pw'), '\n');
    writeFileSync(join(dir, 'wrong.pw'), 'file-Wr0ng\n');
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await Promise.all([db?.drop(), other?.drop()]);
  });

  // Each case's "after" is the next one's "before": nothing may change in between.
  let last: string[] | undefined;
  const check = async (c: Case) => {
    const before = last ?? (await fingerprints());
    last = undefined;
    const r = await fdwmig(c.args(urls), c.env?.(urls) ?? {}, dir);
    expectReported(c, r);
    const after = await fingerprints();
    ['OLD', 'NEW', 'other OLD'].forEach((side, i) =>
      expect(after[i], `${side} changed: ${firstDifference(before[i]!, after[i]!)}`).toBe(before[i]),
    );
    last = after;
  };

  describe('before init-new', () => {
    it.each(BEFORE_INIT.map((c) => [c.name, c] as const))('%s', async (_name, c) => check(c));
  });

  describe('after init-new', () => {
    beforeAll(async () => {
      await runInitNew(await configFor(db), testDeps());
      last = undefined;
    });
    it.each(AFTER_INIT.map((c) => [c.name, c] as const))('%s', async (_name, c) => check(c));
  });
});
