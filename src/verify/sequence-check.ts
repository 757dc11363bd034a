/**
 * Sequences on NEW must hand out values no row holds: past the largest key of the column that owns
 * them (NEW's rows and OLD's) and past OLD's last value, in the sequence's direction.
 */
import type { Queryable } from '../sql/queryable.js';
import { loadSql } from '../introspect/load-sql.js';
import type { DatabaseModel, SequenceModel } from '../introspect/model.js';
import { matchSequence } from '../plan/plan-sequence-sync.js';
import { ident, literal, qualified } from '../sql/quote.js';
import type { Finding } from './report.js';
import { qualifiedName } from '../introspect/model.js';

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

export interface SequenceFacts {
  /** NEW's sequence. */
  seq: SequenceModel;
  /** NEW's next value: start value if never used, else last value plus increment. */
  next: bigint;
  /** The owning column's largest value (smallest for a descending sequence) on NEW and OLD, if any. */
  extremeKey: bigint | null;
  /** OLD's matching sequence and its last value, if OLD has used it. */
  old: { name: string; lastValue: bigint } | null;
}

/** Pure: the problem with one sequence, if any. */
export function checkSequence(f: SequenceFacts): Finding[] {
  const up = f.seq.increment > 0;
  const name = qualifiedName(f.seq);
  const behind = (v: bigint) => (up ? f.next <= v : f.next >= v);
  const fix = (v: bigint) =>
    `run fdwmig sequences sync, or on NEW: SELECT setval(${literal(qualified(f.seq.schema, f.seq.name))}, ${v + (up ? 1n : -1n) * 10_000n})`;
  const out: Finding[] = [];
  if (f.extremeKey !== null && behind(f.extremeKey)) {
    const owner = f.seq.owner!;
    out.push({
      severity: 'problem',
      check: 'sequence',
      subject: name,
      message: `next value ${f.next} is not past the ${up ? 'largest' : 'smallest'} ${owner.schema}.${owner.table}.${owner.column} (${f.extremeKey}): new rows will collide`,
      hint: fix(f.extremeKey),
    });
  }
  if (f.old && behind(f.old.lastValue)) {
    out.push({
      severity: 'problem',
      check: 'sequence',
      subject: name,
      message: `next value ${f.next} is not past OLD's ${f.old.name} (last value ${f.old.lastValue})`,
      hint: fix(f.old.lastValue),
    });
  }
  return out;
}

async function extremeOf(
  db: Queryable,
  schema: string,
  table: string,
  column: string,
  up: boolean,
): Promise<bigint | null> {
  const r = await db.query<{ v: string | null }>(
    `SELECT ${up ? 'max' : 'min'}(c.${ident(column)})::text AS v FROM ONLY ${qualified(schema, table)} c`,
  );
  return r.rows[0]!.v === null ? null : BigInt(r.rows[0]!.v);
}

function pick(a: bigint | null, b: bigint | null, up: boolean): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return up ? (a > b ? a : b) : a < b ? a : b;
}

/** Reads what checkSequence needs for NEW's sequences owned by `tables` (all tables when null), plus standalone ones then. */
export async function readSequenceFacts(
  oldDb: Queryable,
  newDb: Queryable,
  oldModel: DatabaseModel,
  newModel: DatabaseModel,
  skipSchemas: string[],
  tables: ReadonlySet<string> | null,
): Promise<SequenceFacts[]> {
  const oldByNew = new Map<string, SequenceModel>();
  for (const o of oldModel.sequences) {
    const n = matchSequence(o, newModel.sequences);
    if (n) oldByNew.set(qualifiedName(n), o);
  }
  // Largest keys first, positions after: a row the application inserts in between then has a
  // key below the position read, instead of looking like a key past its sequence.
  const pending: { seq: SequenceModel; extremeKey: bigint | null }[] = [];
  for (const seq of newModel.sequences) {
    const owner = seq.owner ? `${seq.owner.schema}.${seq.owner.table}` : null;
    if (tables && (!owner || !tables.has(owner))) continue;
    const up = seq.increment > 0;
    let extremeKey: bigint | null = null;
    const newTable = owner ? newModel.tables.find((t) => qualifiedName(t) === owner) : undefined;
    const col = newTable?.columns.find((c) => c.name === seq.owner!.column);
    if (seq.owner && newTable && col && INTEGER_TYPES.has(col.type)) {
      extremeKey = await extremeOf(newDb, seq.owner.schema, seq.owner.table, col.name, up);
      if (oldModel.tables.some((t) => qualifiedName(t) === owner)) {
        extremeKey = pick(extremeKey, await extremeOf(oldDb, seq.owner.schema, seq.owner.table, col.name, up), up);
      }
    }
    pending.push({ seq, extremeKey });
  }
  const positions = new Map(
    (
      await newDb.query<{
        schema: string;
        name: string;
        last_value: string | null;
        start_value: string;
        increment: string;
      }>(loadSql('sequence-positions'), [skipSchemas])
    ).rows.map((p) => [qualifiedName(p), p]),
  );
  const facts: SequenceFacts[] = [];
  for (const { seq, extremeKey } of pending) {
    const pos = positions.get(qualifiedName(seq));
    if (!pos) continue;
    const next = pos.last_value === null ? BigInt(pos.start_value) : BigInt(pos.last_value) + BigInt(pos.increment);
    const o = oldByNew.get(qualifiedName(seq));
    facts.push({
      seq,
      next,
      extremeKey,
      old: o?.lastValue ? { name: qualifiedName(o), lastValue: BigInt(o.lastValue) } : null,
    });
  }
  return facts;
}
