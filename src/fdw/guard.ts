/**
 * `fdwmig guard`: the cross-server deadlock guard on its own (src/exec/deadlock-guard.ts), for
 * the time rows may be split between the servers outside a migrate run: from init-new (the
 * application's inserts land on NEW from the switch on) to cleanup. migrate runs one of its
 * own unless this one is running.
 */
import { once } from 'node:events';
import type { Config } from '../config/schema.js';
import { PreflightError, StateError } from '../errors.js';
import type { Deps } from '../exec/connections.js';
import { DeadlockGuard, GUARD_INTERVAL_MS, type GuardReport, type GuardStart } from '../exec/deadlock-guard.js';

export interface GuardResult extends GuardReport {
  seconds: number;
}

/** Runs the guard until `signal` aborts. */
export async function runGuard(
  config: Config,
  deps: Deps,
  o: { signal: AbortSignal; intervalMs?: number },
): Promise<GuardResult> {
  const t0 = Date.now();
  const intervalMs = o.intervalMs ?? GUARD_INTERVAL_MS;
  const started = await DeadlockGuard.start(deps, { ...config, intervalMs });
  if (started.status !== 'running') throw refusal(started, config.serverName);
  deps.log({
    level: 'info',
    message: `guard: watching lock waits on OLD and NEW every ${intervalMs} ms (Ctrl-C to stop)`,
  });
  if (!o.signal.aborted) await once(o.signal, 'abort');
  const report = await started.guard.stop();
  return { ...report, seconds: (Date.now() - t0) / 1000 };
}

/** Why a guard did not start, as an error a person can act on. */
export function refusal(s: Exclude<GuardStart, { status: 'running' }>, serverName: string): Error {
  switch (s.status) {
    case 'busy':
      return new StateError('another fdwmig guard is running against this NEW database (alone, or inside migrate)', {
        hint: 'one guard is enough: leave that one running, or stop it before starting this one',
      });
    case 'unsupported':
      return new PreflightError(
        `NEW runs PostgreSQL ${Math.floor(s.newVersion / 10000)}: before 15, postgres_fdw cannot name its sessions on OLD after NEW's backend, so deadlocks across the servers cannot be seen`,
        {
          hint: "give the application's transactions on NEW a statement_timeout or lock_timeout, so that such a wait ends (docs/SUPPORT.md)",
        },
      );
    case 'no-server':
      return new StateError(`NEW has no foreign server ${serverName}: init-new has not set up this NEW yet`, {
        hint: 'run fdwmig init-new first (fdwmig check tells whether it can)',
      });
  }
}
