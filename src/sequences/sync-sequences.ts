/**
 * sequences sync: NEW's sequences to OLD's last values plus the gap, never backwards
 * (planSequenceSync, shared with init-new and finalize), with a line per sequence saying what
 * happened and why.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { runPlan } from '../exec/run-plan.js';
import { introspectDatabase } from '../introspect/introspect.js';
import type { SequenceModel } from '../introspect/model.js';
import type { Plan } from '../plan/step.js';
import { matchSequence, planSequenceSync, type SequenceChange } from '../plan/plan-sequence-sync.js';
import { withBoth, type Deps } from '../exec/connections.js';

/** One sequence's outcome: moved to the target, already past it, or skipped (note says why). */
export interface SequenceSyncLine extends SequenceChange {
  /** NEW's last value before the sync (null: never used). */
  newLastValue: string | null;
  effect: 'moved' | 'unchanged' | 'skipped';
}

export interface SequenceSyncResult {
  plan: Plan;
  lines: SequenceSyncLine[];
  applied: boolean;
}

/** Whether setval(GREATEST/LEAST(target, current)) leaves NEW where it is. */
function alreadyPast(current: string | null, target: string, seq: SequenceModel): boolean {
  if (current === null) return false;
  return seq.increment > 0 ? BigInt(current) >= BigInt(target) : BigInt(current) <= BigInt(target);
}

/** Pure: the report lines for planned changes, given NEW's sequences before the sync. */
export function describeSequenceSync(
  oldSeqs: readonly SequenceModel[],
  newSeqs: readonly SequenceModel[],
  changes: readonly SequenceChange[],
): SequenceSyncLine[] {
  return changes.map((c, i) => {
    const n = matchSequence(oldSeqs[i]!, newSeqs);
    const newLastValue = n?.lastValue ?? null;
    if (c.target === null || !n) return { ...c, newLastValue, effect: 'skipped' as const };
    if (alreadyPast(newLastValue, c.target, n)) {
      return {
        ...c,
        newLastValue,
        effect: 'unchanged' as const,
        note: `NEW is already at ${newLastValue}, past the target: left as is (never backwards)`,
      };
    }
    return { ...c, newLastValue, effect: 'moved' as const };
  });
}

/** Syncs on open connections (finalize uses it too); with dryRun, plans only. */
export async function syncSequences(config: Config, oldDb: pg.Client, newDb: pg.Client): Promise<SequenceSyncResult> {
  const skip = { skipSchemas: [config.stateSchema] };
  const oldSeqs = (await introspectDatabase(oldDb, skip)).sequences;
  const newSeqs = (await introspectDatabase(newDb, skip)).sequences;
  const { steps, changes } = planSequenceSync(oldSeqs, newSeqs, config.sequenceGap);
  const plan: Plan = Object.freeze({ title: 'fdwmig sequences sync', steps: Object.freeze(steps) });
  const lines = describeSequenceSync(oldSeqs, newSeqs, changes);
  if (config.dryRun) return { plan, lines, applied: false };
  await runPlan(newDb, plan, {
    lockTimeoutMs: config.lockTimeoutMs,
    retryForMs: config.lockRetryMs,
    retries: config.ddlRetries,
  });
  return { plan, lines, applied: true };
}

/** `fdwmig sequences sync`: works at any phase, with or without init-new. */
export async function runSequenceSync(config: Config, deps: Deps): Promise<SequenceSyncResult> {
  return withBoth(deps, config, (oldDb, newDb) => syncSequences(config, oldDb, newDb));
}
