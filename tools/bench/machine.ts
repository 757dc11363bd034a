/** What the figures ran on: machine, versions, settings. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { FDWMIG_VERSION } from '../../src/version.js';
import { serverVersion, type BenchServers } from './servers.js';
import type { Tool } from './tools.js';

export interface MachineInfo {
  cpuModel: string;
  nproc: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  fdwmig: string;
  /** The commit measured, and whether the working tree's code differed from it. */
  commit: string;
  oldServer: string;
  newServer: string;
  tools: Record<string, string>;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function kernel(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function commit(): string {
  const git = (args: string[]) => spawnSync('git', args, { encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git(['status', '--porcelain', '--', 'src', 'sql', 'bin', 'package.json']).stdout.trim();
  return `${head.stdout.trim()}${dirty ? ' with uncommitted changes to the code' : ''}`;
}

export async function describeMachine(servers: BenchServers, tools: readonly Tool[]): Promise<MachineInfo> {
  return {
    cpuModel: cpuModel(),
    nproc: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: kernel(),
    node: process.version,
    fdwmig: FDWMIG_VERSION,
    commit: commit(),
    oldServer: `PostgreSQL ${await serverVersion(servers.old)} (embedded)`,
    newServer: `PostgreSQL ${await serverVersion(servers.new)} (embedded)`,
    tools: Object.fromEntries(tools.map((t) => [t.name, t.version ?? `missing (${t.install})`])),
  };
}
