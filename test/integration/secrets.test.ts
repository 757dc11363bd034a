/**
 * Secrets through a whole migration, with roles whose passwords hold every character that
 * needs quoting somewhere (URL, SQL literal, pgpass file): OLD's password comes from libpq's
 * password file (PGPASSFILE; the URL has none), NEW's from --new-password-file, and once from
 * URLs with the passwords inline. Neither password may appear in anything fdwmig prints (plain,
 * --json, --dry-run plans, errors with --debug), nor in its state on either server; OLD's is
 * in NEW's user mapping (where postgres_fdw needs it, readable by no ordinary role) until
 * cleanup drops it. TLS settings of the OLD URL reach the foreign server.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabases, type DbPair, runSql } from './support/databases.js';
import { applyFixture } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
const SUFFIX = randomBytes(3).toString('hex');
const OLD_ROLE = `secret_old_${SUFFIX}`;
const NEW_ROLE = `secret_new_${SUFFIX}`;
const APP_ROLE = `secret_app_${SUFFIX}`;
// ':' for the pgpass file, '@/?#&%' for URLs, quotes for SQL literals, a space and Unicode.
const OLD_PW = `Old:p@ss/w'rd "q" ü#?&%${SUFFIX}`;
const NEW_PW = `New\\p@ss:w'rd ü&x=1${SUFFIX}`;

/** Every form a password could be printed in. */
function forms(pw: string): string[] {
  return [
    pw,
    encodeURIComponent(pw),
    pw.replace(/'/g, "''"),
    pw.replace(/[:\\]/g, '\\$&'),
    JSON.stringify(pw).slice(1, -1),
  ];
}

function expectNoSecret(text: string, where: string): void {
  for (const form of [...forms(OLD_PW), ...forms(NEW_PW)])
    expect(text.includes(form), `${where} shows a password:\n${text}`).toBe(false);
  // A distinctive fragment too, in case of some other encoding.
  expect(text.includes(`rd "q" ü`) || text.includes(`w'rd ü&x`), `${where}:\n${text}`).toBe(false);
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

function withLogin(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password === undefined ? '' : encodeURIComponent(password);
  return u.toString();
}

// The CLI runs as child processes here, one per command: each registers only its own secrets
// for masking, as a user's run does (in one process they would accumulate and hide a leak).
describe('secrets: never printed, never in the state, in the user mapping until cleanup', () => {
  let db: DbPair;
  let dir: string;
  let env: Record<string, string>;
  let inline: { oldUrl: string; newUrl: string };
  const outputs: [string, string][] = [];

  function fdwmig(args: string[], extraEnv: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...env, ...extraEnv },
    });
    const all = r.stdout + r.stderr;
    outputs.push([`fdwmig ${args.join(' ')}`, all]);
    return { code: r.status, out: all };
  }

  beforeAll(async () => {
    db = await freshDatabases('secrets');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runSql(inject('oldAdminUrl'), `CREATE ROLE "${OLD_ROLE}" LOGIN SUPERUSER PASSWORD ${literal(OLD_PW)}`);
    await runSql(
      inject('newAdminUrl'),
      `CREATE ROLE "${NEW_ROLE}" LOGIN SUPERUSER PASSWORD ${literal(NEW_PW)}; CREATE ROLE "${APP_ROLE}" LOGIN PASSWORD 'app-pw'`,
    );
    await db.new.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO "${APP_ROLE}"`);
    dir = mkdtempSync(join(tmpdir(), 'fdwmig-secrets-'));
    const old = new URL(db.oldUrl);
    const oldDb = decodeURIComponent(old.pathname.slice(1));
    writeFileSync(
      join(dir, 'pgpass'),
      `# OLD\n${old.hostname}:${old.port}:${oldDb}:${OLD_ROLE}:${OLD_PW.replace(/[:\\]/g, '\\$&')}\n`,
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'new.pw'), `${NEW_PW}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'old.pw'), `${OLD_PW}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.pem'), 'not a certificate: sslmode=disable never reads it\n');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      PGPASSFILE: join(dir, 'pgpass'),
      FDWMIG_OLD_URL: withLogin(db.oldUrl, OLD_ROLE),
      FDWMIG_NEW_URL: withLogin(db.newUrl, NEW_ROLE),
      FDWMIG_NEW_PASSWORD_FILE: join(dir, 'new.pw'),
    };
    inline = { oldUrl: withLogin(db.oldUrl, OLD_ROLE, OLD_PW), newUrl: withLogin(db.newUrl, NEW_ROLE, NEW_PW) };
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
    await runSql(inject('oldAdminUrl'), `DROP ROLE IF EXISTS "${OLD_ROLE}"`).catch(() => undefined);
    await runSql(inject('newAdminUrl'), `DROP ROLE IF EXISTS "${NEW_ROLE}"; DROP ROLE IF EXISTS "${APP_ROLE}"`).catch(
      () => undefined,
    );
  });

  it('passwords inline in the URLs are masked in config, check and their errors', () => {
    const noFiles = { PGPASSFILE: '', FDWMIG_NEW_PASSWORD_FILE: '', FDWMIG_OLD_URL: '', FDWMIG_NEW_URL: '' };
    const args = ['--old', inline.oldUrl, '--new', inline.newUrl];
    const config = fdwmig(['config', ...args], noFiles);
    expect(config.code, config.out).toBe(0);
    expect(config.out).toContain('****');
    expect(fdwmig(['check', ...args], noFiles).code).toBe(0);
    expect(fdwmig(['check', '--json', ...args], noFiles).code).toBe(0);
    const unreachable = fdwmig(
      ['--debug', 'init-new', '--old', inline.oldUrl, '--new', inline.newUrl.replace(/:\d+\//, ':1/')],
      noFiles,
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toMatch(
      /cannot connect to the NEW server at postgresql:\/\/secret_new_\w+:\*\*\*\*@127\.0\.0\.1:1\//,
    );
    const badUrl = fdwmig(
      ['check', '--old', `postgres://u:${encodeURIComponent(OLD_PW)}@host:port/db`, '--new', inline.newUrl],
      noFiles,
    );
    expect(badUrl.code).toBe(2);
  });

  it("init-new takes OLD's password from PGPASSFILE into the user mapping; NEW reads OLD through it", async () => {
    expect(fdwmig(['init-new', '--dry-run']).out).toContain("password '****'");
    expect(fdwmig(['init-new', '--dry-run', '--json']).code).toBe(0);
    const r = fdwmig(['init-new', '--mapping-roles', APP_ROLE]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/deprecat/i); // node-postgres's own pgpass reading is not used
    // postgres_fdw can log in to OLD only with the password from the file.
    const app = new pg.Client(withLogin(db.newUrl, APP_ROLE, 'app-pw'));
    await app.connect();
    try {
      expect((await app.query(`SELECT count(*)::int AS n FROM customers`)).rows[0].n).toBe(50);
      // Where the password lives: the mapping, which an ordinary role cannot read.
      const visible = await app.query(
        `SELECT count(*)::int AS n FROM pg_user_mappings WHERE array_to_string(umoptions, ',') LIKE '%password%'`,
      );
      expect(visible.rows[0].n).toBe(0);
      await expect(app.query(`SELECT umoptions FROM pg_user_mapping`)).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    const stored = await db.new.query(`SELECT count(*)::int AS n FROM pg_user_mapping WHERE $1 = ANY (umoptions)`, [
      `password=${OLD_PW}`,
    ]);
    expect(stored.rows[0].n).toBe(2);
  });

  it('migrate, finalize, status, verify, sequences: nothing shows a password', () => {
    expect(fdwmig(['status']).code).toBeLessThan(2);
    expect(fdwmig(['migrate', '--dry-run']).code).toBe(0);
    const moved = fdwmig(['migrate', '--batch', '40', '--exclude-tables', 'public.events', '--no-finalize']);
    expect(moved.code, moved.out).toBe(0);
    fdwmig(['--json', 'verify']);
    fdwmig(['finalize', '--dry-run']);
    // events has no key and stays on OLD: finalize refuses, naming it, with the whole error.
    const refused = fdwmig(['--debug', 'finalize']);
    expect(refused.code).toBe(1);
    fdwmig(['sequences', 'sync', '--dry-run']);
    fdwmig(['--json', 'status']);
  });

  it("fdwmig's state on NEW and OLD and the foreign server's options hold no password", async () => {
    for (const side of [db.new, db.old]) {
      const tables = await side.query<{ name: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = 'fdwmig'`,
      );
      expect(tables.rows.length).toBeGreaterThan(0);
      for (const t of tables.rows) {
        const text = (await side.query(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM ${t.name} x`))
          .rows[0].t as string;
        expectNoSecret(text, t.name);
      }
    }
    const server = await db.new.query(`SELECT srvoptions::text AS o FROM pg_foreign_server`);
    expectNoSecret(JSON.stringify(server.rows), 'pg_foreign_server');
  });

  it('cleanup drops the user mappings, and with them the stored password', async () => {
    const forced = fdwmig(['cleanup', '--force']);
    expect(forced.code, forced.out).toBe(0);
    const left = await db.new.query(
      `SELECT count(*)::int AS n FROM pg_user_mapping WHERE array_to_string(umoptions, ',') LIKE '%' || $1 || '%'`,
      [OLD_PW],
    );
    expect(left.rows[0].n).toBe(0);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM pg_foreign_server`)).rows[0].n).toBe(0);
  });

  it('printed nothing with a password, in any command', () => {
    expect(outputs.length).toBeGreaterThan(12);
    for (const [command, out] of outputs) expectNoSecret(out, command);
  });

  it('passes sslmode and sslrootcert of the OLD URL to the foreign server, and no password', () => {
    const u = new URL(withLogin(db.oldUrl, OLD_ROLE));
    u.searchParams.set('sslmode', 'disable');
    u.searchParams.set('sslrootcert', join(dir, 'ca.pem'));
    u.searchParams.set('connect_timeout', '7');
    // After cleanup --force NEW's tables hold the moved rows; events alone is still empty there.
    const r = fdwmig(['init-new', '--dry-run', '--tables', 'public.events', '--old', u.toString()]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `CREATE SERVER "fdwmig_old" FOREIGN DATA WRAPPER postgres_fdw OPTIONS \\(.*"sslmode" 'disable', "sslrootcert" '${join(dir, 'ca.pem')}', "connect_timeout" '7'`,
      ),
    );
    expectNoSecret(r.out, 'init-new --dry-run with TLS options');
  });

  it('--old-password-file reaches the user mapping too, and cleanup drops it again', async () => {
    const noPgpass = { PGPASSFILE: join(dir, 'none') };
    const r = fdwmig(['init-new', '--tables', 'public.events', '--old-password-file', join(dir, 'old.pw')], noPgpass);
    expect(r.code, r.out).toBe(0);
    expect(
      (
        await db.new.query(`SELECT count(*)::int AS n FROM pg_user_mapping WHERE $1 = ANY (umoptions)`, [
          `password=${OLD_PW}`,
        ])
      ).rows[0].n,
    ).toBe(1);
    const mover = new pg.Client(inline.newUrl);
    await mover.connect();
    try {
      expect((await mover.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n).toBe(30);
    } finally {
      await mover.end();
    }
    const cleaned = fdwmig(['cleanup', '--force', '--old-password-file', join(dir, 'old.pw')], noPgpass);
    expect(cleaned.code, cleaned.out).toBe(0);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM pg_user_mapping`)).rows[0].n).toBe(0);
    for (const [command, out] of outputs.slice(-2)) expectNoSecret(out, command);
  });
});
