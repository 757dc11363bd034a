/**
 * The SQL of one batch move (docs/PROTOCOL.md), built from a table's model. Pure: every name is
 * quoted here. A batch is the keys in (after, last] in key order as OLD's read snapshot saw them.
 * Keys travel as text and are cast back to the key's types; the batch's key list lives on NEW,
 * and only the rare slow path (rows changed on OLD since the read) brings it to OLD.
 */
import { createHash } from 'node:crypto';
import type { TableModel } from '../introspect/model.js';
import { ident, identList, literal, qualified } from '../sql/quote.js';
import { markDeletedOnOldSql, recordBatchHead, type Key } from '../state/batches.js';
import { moveKey } from './move-key.js';
import { qualifiedName } from '../introspect/model.js';

export interface MoveSql {
  readonly keyColumns: readonly string[];
  /**
   * OLD, in the read snapshot: k0..kn of the key `limit` keys after `after` (null: from the
   * start), or of the last key up to `upper` (null: the table's end), and snap. Values are
   * literals, so that it can share a round trip with the BEGIN that opens the snapshot (a
   * multi-statement query takes no parameters). Also finds the points a table is split at.
   */
  readLastKey(after: Key | null, limit: number, upper: Key | null): string;
  /** OLD: COPY TO of the rows in (after, last]. */
  copyOutRange(after: Key | null, last: Key): string;
  /** NEW: COPY FROM into the local table (non-generated columns, the same order). */
  readonly copyIn: string;
  /**
   * NEW, in the copy's transaction: records the batch with the keys this transaction just
   * inserted in (after, last], as a text[][] (one row per key; cheaper to build than jsonb), or
   * for a one-column key as a flat text[] (cheaper still; batch-store.ts reads both).
   * Values are literals, so that it can share a round trip with the COMMIT. If the range does
   * not hold exactly `copied` such rows, row_count is NULL and its NOT NULL constraint fails
   * the statement (23502), and with it the transaction.
   */
  recordBatch(
    stateSchema: string,
    b: { schema: string; table: string; after: Key | null; last: Key; snapshot: string; copied: number },
  ): string;
  /**
   * OLD, fast path, in a REPEATABLE READ transaction that has its own id, as one statement (one
   * snapshot): counts the rows in (after, last] and those changed since the read snapshot, by
   * age(xmin) (snapshot-ages.ts); only if there are exactly the batch's n rows and none changed,
   * deletes the range and writes the batch's marker. Returns n and changed. $1 after, $2 last,
   * $3 maxAge, $4 xipAges (int4[]), $5 the batch's row count, $6 the batch id. In REPEATABLE
   * READ the DELETE removes every row the count saw, or fails with 40001 if another transaction
   * changed one since the snapshot.
   */
  checkAndDelete(stateSchema: string): string;
  /**
   * OLD, slow path, in a transaction that has its own id: locks the batch's keys. $1 keys (jsonb),
   * $2 after, $3 last, $4 maxAge, $5 xipAges (snapshot-ages.ts). Returns k0..kn and changed.
   * `nowait`: fail at once (55P03) on a row another transaction holds, rather than wait for it.
   */
  lockKeys(nowait: boolean): string;
  /** OLD: COPY TO of the given keys' rows (COPY takes no parameters). */
  copyOutKeys(keys: readonly Key[], after: Key | null, last: Key): string;
  /** NEW, slow path: locks NEW's copies of the given keys (local table only). $1 keys, $2 after, $3 last. */
  lockNewKeys(nowait: boolean): string;
  /** NEW: deletes the given keys from the local table only. $1 keys, $2 after, $3 last. */
  readonly deleteNewKeys: string;
  /**
   * NEW, slow path: a session-local staging table for OLD's versions of changed rows, with the
   * copied columns' types (created once per session, kept empty between uses).
   */
  readonly createStage: string;
  /** NEW: COPY FROM into the staging table, in the batch's COPY format. */
  readonly copyInStage: string;
  /**
   * NEW: NEW's copies of the staged keys set to the staged versions in place (an UPDATE, so that
   * a writer waiting on a copy's row lock follows the update to the new version instead of
   * finding the row deleted); null when every copied column is a key or an identity column
   * that is GENERATED ALWAYS (no value that can differ).
   */
  readonly updateFromStage: string | null;
  /** NEW: staged rows with no copy on NEW, inserted. */
  readonly insertFromStage: string;
  /** NEW: empties the staging table. */
  readonly clearStage: string;
  /** OLD: deletes the given keys. $1 keys, $2 after, $3 last. */
  readonly deleteOldKeys: string;
  /**
   * OLD: the planner's estimate of countOld, as EXPLAIN's JSON (a plan, no scan): its statistics
   * scaled to the table's current size, so also for a table never analyzed.
   */
  readonly estimateOld: string;
  /**
   * OLD: the keys that cut the key's value range (min to max) into `parts` equal spans, as k0,
   * ascending (none when the table is empty); two index probes, no scan. Only for a one-column
   * integer key (null otherwise), where equal spans of values are about equal numbers of rows
   * for the usual serial keys (and pipelines rebalance when they are not: exec/key-ranges.ts).
   */
  splitByValue: ((parts: number) => string) | null;
}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

/** Columns a batch copies: generated ones are left out so NEW computes them. */
export function copiedColumns(t: TableModel): string[] {
  return t.columns.filter((c) => c.generated === '').map((c) => c.name);
}

/** The slow path's staging table of a table: a temporary table, named by a hash (names may be long). */
export function stageName(t: Pick<TableModel, 'schema' | 'name'>): string {
  return `fdwmig_stage_${createHash('sha1').update(qualifiedName(t)).digest('hex').slice(0, 16)}`;
}

/** A row count written into SQL: a whole number, never anything else. */
function count(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a row count: ${n}`);
  return n;
}

/** A table's key as SQL: its columns, their types, and the expressions every statement builds on. */
interface KeyExprs {
  table: string;
  pk: readonly string[];
  types: readonly string[];
  tuple: string;
  keySelect: string;
  /** A one-column integer key: a batch of consecutive keys is recorded as its span (recordBatch). */
  spanKey: boolean;
  fromLiteral(k: Key): string;
  /** (after, last] with both bounds as jsonb parameters; after may be NULL. */
  range(after: string, last: string): string;
  /** (after, last] with both bounds as literals. */
  rangeLit(after: Key | null, last: Key): string;
  /** The key is one of a jsonb array parameter's keys. */
  inKeys(p: string): string;
  keyOf(alias: string): string;
}

function keyExprs(t: TableModel, pk: readonly string[]): KeyExprs {
  const types = pk.map((k) => {
    const col = t.columns.find((c) => c.name === k);
    if (!col) throw new Error(`key column ${k} not found in ${qualifiedName(t)}`);
    return col.type;
  });
  const tuple = `(${identList(pk)})`;
  const fromJson = (p: string) => `(${types.map((type, i) => `(${p}->>${i})::${type}`).join(', ')})`;
  const fromLiteral = (k: Key) => `(${k.map((v, i) => `${literal(v)}::${types[i]}`).join(', ')})`;
  return {
    table: qualified(t.schema, t.name),
    pk,
    types,
    tuple,
    keySelect: pk.map((k, i) => `${ident(k)}::text AS k${i}`).join(', '),
    spanKey: pk.length === 1 && INTEGER_TYPES.has(types[0]!),
    fromLiteral,
    range: (after, last) => `(${after} IS NULL OR ${tuple} > ${fromJson(after)}) AND ${tuple} <= ${fromJson(last)}`,
    rangeLit: (after, last) =>
      `${after ? `${tuple} > ${fromLiteral(after)} AND ` : ''}${tuple} <= ${fromLiteral(last)}`,
    inKeys: (p) =>
      `${tuple} IN (SELECT ${types.map((type, i) => `(x->>${i})::${type}`).join(', ')} FROM jsonb_array_elements(${p}) x)`,
    keyOf: (alias) => `(${pk.map((k) => `${alias}.${ident(k)}`).join(', ')})`,
  };
}

/** MoveSql.recordBatch for a table whose key is `k`. */
function recordBatchSql(k: KeyExprs, stateSchema: string, b: Parameters<MoveSql['recordBatch']>[1]): string {
  // One key column: a flat text[] (no one-element array per row: about half the cost); several: text[][].
  const keyArray =
    k.pk.length === 1 ? `${ident(k.pk[0]!)}::text` : `ARRAY[${k.pk.map((c) => `${ident(c)}::text`).join(', ')}]`;
  const head = `${recordBatchHead(stateSchema)}
SELECT ${literal(b.schema)}, ${literal(b.table)}, ${b.after ? `${literal(JSON.stringify(b.after))}::jsonb` : 'NULL'}, ${literal(JSON.stringify(b.last))}::jsonb, ${literal(b.snapshot)},
       '[]', `;
  const mine = `FROM ONLY ${k.table}
 WHERE ${k.rangeLit(b.after, b.last)}
   AND xmin = (SELECT (pg_catalog.txid_current() % 4294967296)::text::xid)`;
  const tail = `RETURNING id::text AS id, row_count, pg_catalog.txid_current()::text AS xid`;
  if (!k.spanKey)
    return `${head}coalesce(array_agg(${keyArray}), '{}'), NULL, CASE WHEN count(*) = ${count(b.copied)} THEN count(*) END, 'copied'
  ${mine}
${tail}`;
  // Distinct integers (OLD's keys) as many as their span holds are every integer of it: then
  // the span names the keys, and the list is never built (the subquery is an InitPlan, run
  // only where the CASE reaches it).
  const c = ident(k.pk[0]!);
  return `WITH c AS (SELECT count(*) AS n, min(${c}) AS lo, max(${c}) AS hi, (count(*) > 0 AND count(*) = max(${c})::numeric - min(${c})::numeric + 1) AS dense
  ${mine})
${head}CASE WHEN c.dense THEN NULL ELSE (SELECT coalesce(array_agg(${keyArray}), '{}') ${mine}) END,
       CASE WHEN c.dense THEN ARRAY[c.lo::text, c.hi::text] END, CASE WHEN c.n = ${count(b.copied)} THEN c.n END, 'copied'
  FROM c
${tail}`;
}

/** The slow path's statements on NEW: OLD's current rows of a batch staged, then written over NEW's copies. */
function repairSql(
  t: TableModel,
  k: KeyExprs,
  copied: readonly string[],
  fmt: string,
): Pick<MoveSql, 'createStage' | 'copyInStage' | 'updateFromStage' | 'insertFromStage' | 'clearStage'> {
  const cols = identList(copied);
  const stage = `pg_temp.${ident(stageName(t))}`;
  // A GENERATED ALWAYS identity column cannot be updated, by the application either: equal on both sides.
  const settable = copied.filter((c) => !k.pk.includes(c) && t.columns.find((x) => x.name === c)?.identity !== 'a');
  return {
    createStage: `CREATE TEMPORARY TABLE IF NOT EXISTS ${ident(stageName(t))} AS SELECT ${cols} FROM ONLY ${k.table} WITH NO DATA`,
    copyInStage: `COPY ${stage} (${cols}) FROM STDIN${fmt}`,
    updateFromStage: settable.length
      ? `UPDATE ONLY ${k.table} t SET ${settable.map((c) => `${ident(c)} = s.${ident(c)}`).join(', ')} FROM ${stage} s WHERE ${k.keyOf('t')} = ${k.keyOf('s')}`
      : null,
    insertFromStage: `INSERT INTO ${k.table} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${copied.map((c) => `s.${ident(c)}`).join(', ')} FROM ${stage} s
 WHERE NOT EXISTS (SELECT 1 FROM ONLY ${k.table} t WHERE ${k.keyOf('t')} = ${k.keyOf('s')})`,
    clearStage: `TRUNCATE ${stage}`,
  };
}

/**
 * Builds the move SQL for a table with a key (primary key, or unique over NOT NULL columns).
 * `binary`: rows travel in COPY's binary format (only where copy-format.ts allows it).
 */
export function buildMoveSql(t: TableModel, o: { binary?: boolean } = {}): MoveSql {
  const pk = moveKey(t);
  if (!pk) throw new Error(`${qualifiedName(t)} has no primary key or unique key over NOT NULL columns`);
  const k = keyExprs(t, pk);
  const { table, tuple, keySelect, types, range, rangeLit, inKeys } = k;
  const copied = copiedColumns(t);
  const cols = identList(copied);
  const order = identList(pk);
  const fmt = o.binary ? ' WITH (FORMAT binary)' : '';
  return {
    keyColumns: pk,
    readLastKey: (after, limit, upper) => {
      const within =
        [after ? `${tuple} > ${k.fromLiteral(after)}` : '', upper ? `${tuple} <= ${k.fromLiteral(upper)}` : '']
          .filter(Boolean)
          .join(' AND ') || 'true';
      return `SELECT *, pg_catalog.txid_current_snapshot()::text AS snap FROM (
  (SELECT ${keySelect} FROM ONLY ${table} WHERE ${within} ORDER BY ${order} OFFSET ${count(limit) - 1} LIMIT 1)
  UNION ALL
  (SELECT ${keySelect} FROM ONLY ${table} WHERE ${within} ORDER BY ${pk.map((c) => `${ident(c)} DESC`).join(', ')} LIMIT 1)
) last LIMIT 1`;
    },
    copyOutRange: (after, last) =>
      `COPY (SELECT ${cols} FROM ONLY ${table} WHERE ${rangeLit(after, last)}) TO STDOUT${fmt}`,
    copyIn: `COPY ${table} (${cols}) FROM STDIN${fmt}`,
    recordBatch: (stateSchema, b) => recordBatchSql(k, stateSchema, b),
    checkAndDelete: (stateSchema) => `WITH counted AS (
  SELECT count(*)::int AS n,
         count(*) FILTER (WHERE pg_catalog.age(xmin) <= $3::int4 OR pg_catalog.age(xmin) = ANY ($4::int4[]))::int AS changed
    FROM ONLY ${table} WHERE ${range('$1::jsonb', '$2::jsonb')}),
verdict AS (SELECT n = $5::int AND changed = 0 AS ok FROM counted),
deleted AS (DELETE FROM ONLY ${table} WHERE ${range('$1::jsonb', '$2::jsonb')} AND (SELECT ok FROM verdict)),
marked AS (${markDeletedOnOldSql(stateSchema, '$6::int8', '(SELECT ok FROM verdict)')})
SELECT n, changed FROM counted`,
    lockKeys: (
      nowait,
    ) => `SELECT ${keySelect}, (pg_catalog.age(xmin) <= $4::int4 OR pg_catalog.age(xmin) = ANY ($5::int4[])) AS changed
  FROM ONLY ${table} WHERE ${range('$2::jsonb', '$3::jsonb')} AND ${inKeys('$1::jsonb')} FOR UPDATE${nowait ? ' NOWAIT' : ''}`,
    copyOutKeys: (keys, after, last) =>
      `COPY (SELECT ${cols} FROM ONLY ${table} WHERE ${rangeLit(after, last)} AND ${inKeys(`${literal(JSON.stringify(keys))}::jsonb`)}) TO STDOUT${fmt}`,
    lockNewKeys: (nowait) =>
      `SELECT 1 FROM ONLY ${table} WHERE ${range('$2::jsonb', '$3::jsonb')} AND ${inKeys('$1::jsonb')} FOR UPDATE${nowait ? ' NOWAIT' : ''}`,
    deleteNewKeys: `DELETE FROM ONLY ${table} WHERE ${range('$2::jsonb', '$3::jsonb')} AND ${inKeys('$1::jsonb')}`,
    ...repairSql(t, k, copied, fmt),
    deleteOldKeys: `DELETE FROM ONLY ${table} WHERE ${range('$2::jsonb', '$3::jsonb')} AND ${inKeys('$1::jsonb')}`,
    estimateOld: `EXPLAIN (FORMAT JSON) SELECT 1 FROM ONLY ${table}`,
    splitByValue: k.spanKey
      ? (
          parts,
        ) => `SELECT pg_catalog.floor(m.lo::numeric + (m.hi::numeric - m.lo::numeric) * i / ${count(parts)})::${types[0]}::text AS k0
  FROM (SELECT min(${ident(pk[0]!)}) AS lo, max(${ident(pk[0]!)}) AS hi FROM ONLY ${table}) m, pg_catalog.generate_series(1, ${count(parts) - 1}) i
 WHERE m.lo IS NOT NULL ORDER BY i`
      : null,
  };
}
