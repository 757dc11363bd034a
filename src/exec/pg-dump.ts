/**
 * --copy-schema: OLD's schema through pg_dump --schema-only, applied to NEW in one transaction.
 * The password travels in PGPASSWORD, never on the command line.
 */
import { spawn } from 'node:child_process';
import { parsePgUrl } from '../config/url.js';
import { PreflightError } from '../errors.js';

export interface DumpOptions {
  pgDump: string;
  oldUrl: string;
  oldMajor: number;
  schemas: readonly string[];
  /** The environment pg_dump runs in (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

function runTool(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, stdout: '', stderr: '', error }));
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** The client environment for OLD, without the server library path the embedded binaries use. */
function libpqEnv(url: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const u = parsePgUrl(url);
  const env: NodeJS.ProcessEnv = { ...base };
  delete env.LD_LIBRARY_PATH;
  if (u.host) env.PGHOST = u.host;
  if (u.port) env.PGPORT = String(u.port);
  if (u.database) env.PGDATABASE = u.database;
  if (u.user) env.PGUSER = u.user;
  if (u.password) env.PGPASSWORD = u.password;
  if (u.params.sslmode) env.PGSSLMODE = u.params.sslmode;
  if (u.params.sslrootcert) env.PGSSLROOTCERT = u.params.sslrootcert;
  return env;
}

/** Checks pg_dump exists and is new enough for OLD: pg_dump refuses servers newer than itself. */
export async function checkPgDump(pgDump: string, oldMajor: number, env: NodeJS.ProcessEnv): Promise<number> {
  const r = await runTool(pgDump, ['--version'], env);
  const hint = `install PostgreSQL ${oldMajor}+ client tools (Debian: apt-get install postgresql-client-${Math.max(oldMajor, 15)}) or set pgDumpPath; or apply the schema to NEW yourself`;
  if (r.error || r.code !== 0) {
    throw new PreflightError(
      `--copy-schema needs pg_dump, which could not be run (${pgDump}: ${r.error?.code ?? r.stderr.trim()})`,
      { hint },
    );
  }
  const major = Number(/(\d+)(?:\.\d+)?/.exec(r.stdout)?.[1]);
  if (!(major >= oldMajor)) {
    throw new PreflightError(
      `--copy-schema needs pg_dump ${oldMajor} or later for OLD (PostgreSQL ${oldMajor}); ${pgDump} is ${r.stdout.trim()}`,
      { hint },
    );
  }
  return major;
}

/** OLD's schema as SQL that NEW can run in one transaction. */
export async function dumpSchema(o: DumpOptions): Promise<string> {
  const env = o.env ?? process.env;
  await checkPgDump(o.pgDump, o.oldMajor, env);
  const args = [
    '--schema-only',
    '--no-owner',
    '--no-privileges',
    '--no-publications',
    '--no-subscriptions',
    ...o.schemas.flatMap((s) => ['--schema', s]),
  ];
  const r = await runTool(o.pgDump, args, libpqEnv(o.oldUrl, env));
  if (r.code !== 0) {
    throw new PreflightError(`pg_dump --schema-only of OLD failed: ${r.stderr.trim().split('\n')[0] ?? ''}`, {
      hint: 'run the same pg_dump by hand to see why; or apply the schema to NEW yourself and run init-new without --copy-schema',
    });
  }
  return toNewSql(r.stdout);
}

/**
 * Turns a dump into plain SQL: psql meta-commands (\restrict, \connect) are dropped, and a
 * schema NEW already has (public, or one made empty by hand) is not created twice.
 */
export function toNewSql(dump: string): string {
  return dump
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .map((line) => line.replace(/^CREATE SCHEMA (?!IF NOT EXISTS)/, 'CREATE SCHEMA IF NOT EXISTS '))
    .join('\n');
}
