/**
 * Runs a plan: each step in its own transaction; a step that takes locks on application tables
 * runs with a short lock_timeout and is retried with backoff, so a busy application is never
 * stalled behind fdwmig's DDL for longer than that bound.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { PgError, isDatabaseError } from '../errors.js';
import type { Plan, Step } from '../plan/step.js';
import { crashPoint } from './crash-points.js';
import { withTransaction, type Queryable } from '../sql/queryable.js';
import { runSecretDdl } from './secret-ddl.js';

const LOCK_NOT_AVAILABLE = '55P03';
/** The server picked this step as a deadlock victim and rolled it back whole: safe to retry. */
const DEADLOCK = '40P01';

export interface RunPlanOptions {
  lockTimeoutMs: number;
  retries: number;
  onStep?: (s: Step, event: 'start' | 'done' | 'retry', attempt: number) => void;
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
    for (let attempt = 0; ; attempt++) {
      opts.onStep?.(s, attempt === 0 ? 'start' : 'retry', attempt);
      try {
        await runStepOnce(db, s, opts.lockTimeoutMs);
        break;
      } catch (err) {
        if (
          isDatabaseError(err) &&
          (err.code === LOCK_NOT_AVAILABLE || err.code === DEADLOCK) &&
          attempt < opts.retries
        ) {
          await sleep(Math.min(200 * 2 ** attempt, 5_000));
          continue;
        }
        if (isDatabaseError(err)) {
          const hint =
            err.code === LOCK_NOT_AVAILABLE || err.code === DEADLOCK
              ? `the application holds locks fdwmig needs; re-run when it is quieter, or raise lockTimeoutMs / ddlRetries (tried ${attempt + 1} times)`
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
