/**
 * Sequence sync, shared by the FDW and replication modes: every sequence on NEW moves to OLD's
 * last value plus a safety gap (in the sequence's direction), and never backwards.
 */
import type { SequenceModel } from '../introspect/model.js';
import { step, type Step } from './step.js';
import { literal, qualified } from '../sql/quote.js';
import { qualifiedName } from '../introspect/model.js';

export interface SequenceChange {
  oldName: string;
  newName: string | null;
  oldLastValue: string | null;
  target: string | null;
  note: string;
}

function ownerKey(s: SequenceModel): string | null {
  return s.owner ? `${s.owner.schema}.${s.owner.table}.${s.owner.column}` : null;
}

/** Finds NEW's sequence for an OLD one: by owning column first (names of identity sequences may differ), then by name. */
export function matchSequence(oldSeq: SequenceModel, newSeqs: readonly SequenceModel[]): SequenceModel | null {
  const key = ownerKey(oldSeq);
  return (
    (key && newSeqs.find((n) => ownerKey(n) === key)) ||
    newSeqs.find((n) => n.schema === oldSeq.schema && n.name === oldSeq.name) ||
    null
  );
}

/** OLD's last value moved by `gap` in the sequence's direction, clamped to NEW's bounds. */
export function targetValue(oldLast: string, gap: number, seq: SequenceModel): string {
  const step = BigInt(seq.increment) > 0n ? BigInt(gap) : -BigInt(gap);
  let v = BigInt(oldLast) + step;
  if (v > BigInt(seq.maxValue)) v = BigInt(seq.maxValue);
  if (v < BigInt(seq.minValue)) v = BigInt(seq.minValue);
  return v.toString();
}

/** Plans one setval per sequence that OLD has used, with a report line for each. */
export function planSequenceSync(
  oldSeqs: readonly SequenceModel[],
  newSeqs: readonly SequenceModel[],
  gap: number,
): { steps: Step[]; changes: SequenceChange[] } {
  const steps: Step[] = [];
  const changes: SequenceChange[] = [];
  for (const o of oldSeqs) {
    const oldName = qualifiedName(o);
    const n = matchSequence(o, newSeqs);
    if (!n) {
      changes.push({
        oldName,
        newName: null,
        oldLastValue: o.lastValue,
        target: null,
        note: 'missing on NEW: not synced',
      });
      continue;
    }
    const newName = qualifiedName(n);
    if (o.lastValue === null) {
      changes.push({
        oldName,
        newName,
        oldLastValue: null,
        target: null,
        note: 'never used on OLD (or not readable): left as is',
      });
      continue;
    }
    const target = targetValue(o.lastValue, gap, n);
    const pick = n.increment > 0 ? 'GREATEST' : 'LEAST';
    steps.push(
      step({
        id: `sequence:${newName}`,
        description: `move ${newName} to ${target} (OLD ${oldName} is at ${o.lastValue}, gap ${gap}); never backwards`,
        sql: [
          `SELECT setval(${literalRegclass(n)}, ${pick}($1::int8, COALESCE(s.last_value, s.start_value)), true)
  FROM pg_catalog.pg_sequences s WHERE s.schemaname = $2 AND s.sequencename = $3`,
        ],
        params: [target, n.schema, n.name],
        takesLocks: false,
      }),
    );
    changes.push({ oldName, newName, oldLastValue: o.lastValue, target, note: 'synced' });
  }
  return { steps, changes };
}

function literalRegclass(s: SequenceModel): string {
  return `${literal(qualified(s.schema, s.name))}::regclass`;
}
