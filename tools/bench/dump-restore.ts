/**
 * Line 2, what a user would pick offline: `pg_dump -Fc -Z0 | pg_restore` from OLD into an empty
 * NEW database: schema, data, then indexes and FKs built after the load. No compression, as
 * nothing is saved by compressing a pipe; no -j, which pg_restore cannot do from a pipe.
 */
import { spawn } from 'node:child_process';
import { toolEnv } from './tools.js';

export interface DumpRestoreResult {
  seconds: number;
}

/** The arguments, shown in the report as the command that was timed. */
export const DUMP_ARGS = ['--format=custom', '--compress=0'];
export const RESTORE_ARGS = ['--no-owner', '--no-privileges', '--exit-on-error'];

function exited(child: ReturnType<typeof spawn>, name: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${name} failed (${code ?? signal}): ${stderr().trim()}`)),
    );
  });
}

/** Runs the pipe; rejects with the failing tool's stderr. */
export async function runDumpRestore(oldUrl: string, newUrl: string): Promise<DumpRestoreResult> {
  const t0 = performance.now();
  const dump = spawn('pg_dump', [...DUMP_ARGS, '--dbname', oldUrl], {
    env: toolEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const restore = spawn('pg_restore', [...RESTORE_ARGS, '--dbname', newUrl], {
    env: toolEnv(),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let dumpErr = '';
  let restoreErr = '';
  dump.stderr!.on('data', (d: Buffer) => (dumpErr = (dumpErr + d.toString()).slice(-4000)));
  restore.stderr!.on('data', (d: Buffer) => (restoreErr = (restoreErr + d.toString()).slice(-4000)));
  // A failing pg_restore closes its stdin: pg_dump then fails with EPIPE, which says less.
  restore.stdin!.on('error', () => undefined);
  dump.stdout!.pipe(restore.stdin!);
  const results = await Promise.allSettled([
    exited(restore, 'pg_restore', () => restoreErr),
    exited(dump, 'pg_dump', () => dumpErr),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { seconds: (performance.now() - t0) / 1000 };
}
