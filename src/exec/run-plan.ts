/**
 * Runs a plan: each step in its own transaction; a step that takes locks on application tables
 * runs with a short lock_timeout and is retried with backoff, so a busy application is never
 * stalled behind fdwmig's DDL for longer than that bound per lock. Retries go on for a time
 * (lockRetryMs), not a count: under an application that writes the step's tables in both lock
 * orders without pause, a free moment comes rarely, not never (docs/PROTOCOL.md, "Finalize").
 * When a try times out, the sessions holding locks on the step's tables are named.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { PgError, isDatabaseError } from '../errors.js';
import type { Plan, Step } from '../plan/step.js';
import { loadSql } from '../introspect/load-sql.js';
import { crashPoint } from './crash-points.js';
import { withTransaction, type Queryable } from '../sql/queryable.js';
import { runSecretDdl } from './secret-ddl.js';

const LOCK_NOT_AVAILABLE = '55P03';
/** The server picked this step as a deadlock victim and rolled it back whole: safe to retry. */
const DEADLOCK = '40P01';

export interface RunPlanOptions {
  lockTimeoutMs: number;
  /** How long a step is retried after lock timeouts and deadlocks, from its first try. */
  retryForMs: number;
  /** A cap on the retries' count as well. */
  retries?: number;
  /** `holders`, on a retry: who held locks on the step's tables when its try timed out. */
  onStep?: (s: Step, event: 'start' | 'done' | 'retry', attempt: number, holders?: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => delay(ms);

/** `SET LOCAL lock_timeout` for the current transaction, in whole milliseconds (at least 1). */
export function setLockTimeout(ms: number): string {
  return `SET LOCAL lock_timeout = ${Math.max(1, Math.floor(ms))}`;
}

async function runStepOnce(db: Queryable, s: Step, lockTimeoutMs: number): Promise<void> {
  const statements = s.secretSql ?? s.sql;
  await withTransaction(db, async () => {
    if (s.takesLocks) await db.query(setLockTimeout(lockTimeoutMs));
    for (const [i, stmt] of statements.entries()) {
      const last = i === statements.length - 1;
      // A statement whose executed text differs from the printed one holds a secret.
      if (s.secretSql && stmt !== s.sql[i]) await runSecretDdl(db, stmt);
      else await db.query(stmt, last && s.params ? [...s.params] : undefined);
    }
  });
}

/** Runs every step in order; stops at the first failure with the step and its printable SQL. */
export async function runPlan(db: Queryable, plan: Plan, opts: RunPlanOptions): Promise<void> {
  const sleep = opts.sleep ?? defaultSleep;
  for (const s of plan.steps) {
    let holders: string | undefined;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      opts.onStep?.(s, attempt === 0 ? 'start' : 'retry', attempt, holders);
      try {
        await runStepOnce(db, s, opts.lockTimeoutMs);
        break;
      } catch (err) {
        const waited = isDatabaseError(err) && (err.code === LOCK_NOT_AVAILABLE || err.code === DEADLOCK);
        if (waited) holders = await lockHolders(db, s);
        const backoff = Math.min(200 * 2 ** attempt, 5_000);
        const inTime = Date.now() + backoff - started < opts.retryForMs;
        if (waited && inTime && attempt < (opts.retries ?? Number.POSITIVE_INFINITY)) {
          await sleep(backoff);
          continue;
        }
        if (isDatabaseError(err)) {
          const hint = waited
            ? `the application holds locks fdwmig needs${holders ? ` (${holders})` : ''}; re-run when it is quieter, or raise lockRetryMs (tried ${attempt + 1} times in ${((Date.now() - started) / 1000).toFixed(1)} s)`
            : err.hint;
          throw new PgError(
            { message: err.message, code: err.code, detail: err.detail, hint, where: err.where },
            { step: s.id, sql: s.sql.join(';\n') },
          );
        }
        throw err;
      }
    }
    // FDWMIG_CRASH_AT=after-step:<n>: killed after the n-th committed step of the process.
    crashPoint('after-step');
    opts.onStep?.(s, 'done', 0);
  }
}

/** Up to three sessions holding locks on the step's tables, as `pid 123 (app, idle in transaction: UPDATE ...)`. */
async function lockHolders(db: Queryable, s: Step): Promise<string | undefined> {
  if (!s.locks?.length) return undefined;
  const r = await db
    .query<{ pid: number; app: string; state: string; query: string }>(loadSql('lock-holders'), [[...s.locks]])
    .catch(() => ({ rows: [] }));
  if (!r.rows.length) return undefined;
  return `held by ${r.rows.map((h) => `pid ${h.pid} (${h.app || 'no application_name'}, ${h.state}${h.query ? `: ${h.query}` : ''})`).join(', ')}`;
}
