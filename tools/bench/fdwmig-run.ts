/**
 * fdwmig as a user runs it: `node bin/fdwmig.js <command> --json` in a child process, timed from
 * spawn to exit, with the child's peak RSS (the fdwmig process alone, not the servers).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../repo-root.js';

const BIN = fileURLToPath(new URL('bin/fdwmig.js', REPO_ROOT));
const PROBE = new URL('./rss-probe.js', import.meta.url).href;

export interface ChildRun {
  exitCode: number;
  seconds: number;
  /** Peak RSS of the fdwmig process in MiB (NaN if it could not be read). */
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

/** Runs `fdwmig <args...> --old <old> --new <new> --json`. */
export async function runCli(args: readonly string[], urls: { oldUrl: string; newUrl: string }): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fdwmig-bench-rss-'));
  const rssFile = join(dir, 'maxrss');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', PROBE, BIN, ...args, '--old', urls.oldUrl, '--new', urls.newUrl, '--json'],
    {
      env: { ...process.env, FDWMIG_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const seconds = (performance.now() - t0) / 1000;
  let peakRssMb = NaN;
  try {
    peakRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
  } catch {
    // the child died before its exit handler ran
  }
  rmSync(dir, { recursive: true, force: true });
  return { exitCode, seconds, peakRssMb, stdout, stderr };
}

export interface TableOutcome {
  table: string;
  status: string;
  rows: number;
  reason?: string;
}

export interface MigrateSummary {
  tables: TableOutcome[];
  rows: number;
  seconds: number;
  finalized: { foreignKeys: string[] } | null;
}

/** The `{"event":"summary",...}` line of `migrate --json`, or null when there is none. */
export function parseMigrateSummary(stdout: string): MigrateSummary | null {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { event?: string } & MigrateSummary;
      if (j.event === 'summary') return { tables: j.tables, rows: j.rows, seconds: j.seconds, finalized: j.finalized };
    } catch {
      // not JSON after all
    }
  }
  return null;
}

/** A one-line reason for a failed child: its last stderr line, else its exit code. */
export function failureOf(run: ChildRun): string {
  const last = run.stderr.trim().split('\n').filter(Boolean).pop();
  return last ? last.slice(0, 300) : `exit code ${run.exitCode}`;
}
