/**
 * PostgreSQL client tools the benchmark runs (Debian's, from /usr/bin): found or not, with the
 * package to install. They never get the embedded servers' lib dir in LD_LIBRARY_PATH: Debian's
 * binaries link against the system's libpq.
 */
import { spawnSync } from 'node:child_process';

export type ToolName = 'pg_dump' | 'pg_restore' | 'pgbench';

export interface Tool {
  name: ToolName;
  /** `pgbench (PostgreSQL) 15.18 ...`, or null when the tool does not run. */
  version: string | null;
  /** What to install when it is missing. */
  install: string;
}

/** Debian packages: pg_dump and pg_restore come with the client package, pgbench with the server's. */
const INSTALL: Record<ToolName, string> = {
  pg_dump: 'apt-get install postgresql-client-15',
  pg_restore: 'apt-get install postgresql-client-15',
  pgbench: 'apt-get install postgresql-15 (Debian ships pgbench in the server package, not in postgresql-client-15)',
};

/** The environment for Debian's tools: ours without LD_LIBRARY_PATH. */
export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.LD_LIBRARY_PATH;
  return env;
}

/** Finds a tool on PATH by running `tool --version`. */
export function findTool(name: ToolName): Tool {
  const r = spawnSync(name, ['--version'], { env: toolEnv(), encoding: 'utf8' });
  const version = r.status === 0 ? r.stdout.trim().split('\n')[0]! : null;
  return { name, version, install: INSTALL[name] };
}

/** The major version in a `--version` line (`pg_dump (PostgreSQL) 15.18` -> 15). */
export function toolMajor(tool: Tool): number | null {
  const m = /\)\s+(\d+)/.exec(tool.version ?? '');
  return m ? Number(m[1]) : null;
}

/** Why a line is skipped for lack of a tool, or null when every tool runs. */
export function missingTools(tools: readonly Tool[]): string | null {
  const missing = tools.filter((t) => t.version === null);
  if (missing.length === 0) return null;
  return `${missing.map((t) => t.name).join(' and ')} not found; install: ${[...new Set(missing.map((t) => t.install))].join('; ')}`;
}
