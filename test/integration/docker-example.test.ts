/**
 * The Docker example's scripts (examples/docker/), run as docker-compose.yml runs them but
 * against the embedded servers: the init scripts load OLD and NEW through psql, then the
 * fdwmig steps (prepare, then move while `fdwmig-dev workload` writes through NEW). Docker itself
 * is not exercised here: CI has no engine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLI_ENTRY } from '../../tools/dev/cli.js';
import { freshDatabases, type DbPair } from './support/databases.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCRIPTS = `${ROOT}examples/docker`;
const ACCOUNTS = 1000;
const hasPsql = spawnSync('psql', ['--version']).status === 0;

/** Environment of a script: no LD_LIBRARY_PATH (psql must load its own libpq), libpq variables. */
function envFor(url: string, extra: Record<string, string> = {}): Record<string, string> {
  const u = new URL(url);
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PGHOST: u.hostname,
    PGPORT: u.port,
    PGPASSWORD: decodeURIComponent(u.password),
    POSTGRES_USER: decodeURIComponent(u.username),
    POSTGRES_DB: decodeURIComponent(u.pathname.slice(1)),
    FDWMIG_SQL_DIR: `${ROOT}sql/demo`,
    ...extra,
  };
}

/** Runs a command to its end, resolving to its exit code and everything it printed. */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!hasPsql)('the Docker example (examples/docker) on embedded servers', () => {
  let db: DbPair;
  let fdwmigEnv: Record<string, string>;
  beforeAll(async () => {
    db = await freshDatabases('docker_example');
    fdwmigEnv = {
      PATH: process.env.PATH ?? '',
      FDWMIG_OLD_URL: db.oldUrl,
      FDWMIG_NEW_URL: db.newUrl,
      FDWMIG: `${process.execPath} ${ROOT}bin/fdwmig.js`,
    };
  });
  afterAll(async () => db?.drop());

  it('init-old.sh loads the shop and the accounts on OLD, init-new.sh the schema alone on NEW', async () => {
    const old = await run(
      'sh',
      [`${SCRIPTS}/init-old.sh`],
      envFor(db.oldUrl, { SHOP_SCALE: '1', WORKLOAD_ACCOUNTS: String(ACCOUNTS) }),
    );
    expect(old.out).toContain(`init-old.sh: loaded the sample shop (scale 1) and ${ACCOUNTS} accounts`);
    expect(old.code).toBe(0);
    const neu = await run('sh', [`${SCRIPTS}/init-new.sh`], envFor(db.newUrl));
    expect(neu.code).toBe(0);
    const counts = await db.old.query(
      'SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM accounts)::int AS accounts',
    );
    expect(counts.rows[0]).toEqual({ orders: 8000, accounts: ACCOUNTS });
    expect((await db.new.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
  });

  it('init-old.sh refuses a scale that is not a whole number, loading nothing', async () => {
    const r = await run('sh', [`${SCRIPTS}/init-old.sh`], envFor(db.oldUrl, { SHOP_SCALE: '1; DROP TABLE orders' }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('must be whole numbers');
  });

  it('fdwmig.sh prepare runs check and init-new; through NEW the application sees every row', async () => {
    const r = await run('sh', [`${SCRIPTS}/fdwmig.sh`, 'prepare'], fdwmigEnv);
    expect(r.out).toContain('$ fdwmig check');
    expect(r.out).toContain('$ fdwmig init-new');
    expect(r.code).toBe(0);
    expect((await db.new.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(ACCOUNTS);
  });

  it('fdwmig.sh move runs migrate and verify while fdwmig-dev workload writes through NEW, losing nothing', async () => {
    const workload = run(
      process.execPath,
      [`${ROOT}${DEV_CLI_ENTRY}`, 'workload', '--accounts', String(ACCOUNTS), '--seconds', '12'],
      { PATH: fdwmigEnv.PATH!, FDWMIG_NEW_URL: db.newUrl },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const move = await run('sh', [`${SCRIPTS}/fdwmig.sh`, 'move'], fdwmigEnv);
    const [migrate, verify] = move.out.split('$ fdwmig verify');
    expect(migrate).toContain('$ fdwmig migrate');
    expect(migrate).toMatch(/finalize: \d+ FK\(s\) re-added and validated/);
    expect(migrate).not.toContain('error:');
    // verify reads each sequence's largest key before its position, so a row the workload
    // inserts meanwhile is not mistaken for a key past its sequence.
    expect(verify).toContain('verify: consistent');
    expect(move.code).toBe(0);
    const w = await workload;
    expect(w.out).toMatch(
      /workload: [1-9]\d* transactions, \d+ retried after a serialization failure, 0 lost writes, 0 other errors/,
    );
    expect(w.out).toContain('workload invariant: every balance equals its start plus its logged deltas');
    expect(w.code).toBe(0);
    expect(w.out).not.toContain(decodeURIComponent(new URL(db.newUrl).password));
    const left = await db.old.query(
      'SELECT (SELECT count(*) FROM orders)::int + (SELECT count(*) FROM accounts)::int AS n',
    );
    expect(left.rows[0].n).toBe(0);
  });

  it('verify after the workload stopped is consistent', async () => {
    const r = await run('sh', [`${SCRIPTS}/fdwmig.sh`, 'verify'], fdwmigEnv);
    expect(r.out).toContain('verify: consistent');
    expect(r.code).toBe(0);
  });

  it('fdwmig.sh passes any other command to fdwmig', async () => {
    const r = await run('sh', [`${SCRIPTS}/fdwmig.sh`, 'cleanup', '--dry-run'], fdwmigEnv);
    expect(r.code).toBe(0);
  });
});
