/**
 * SQL over a table's primary key for verify: pages of keys in key order, key ranges, lookups of
 * given keys. Pure; every name quoted here. Keys travel as jsonb arrays of text and are cast back
 * to the key's types, so they compare on each server with its own operators.
 */
import { ident, identList, qualified } from '../sql/quote.js';

/** A key's values as text, in primary key column order. */
export type KeyText = readonly string[];

/** A table and its primary key, with the key columns' types (format_type, schema-qualified). */
export interface KeyedTable {
  schema: string;
  name: string;
  key: readonly string[];
  keyTypes: readonly string[];
}

/** A range of keys: after `lo` (exclusive) up to `hi` (inclusive); null is open. */
export interface KeyRange {
  lo: KeyText | null;
  hi: KeyText | null;
}

export function keyTuple(t: KeyedTable): string {
  return `(${t.key.map((k) => `c.${ident(k)}`).join(', ')})`;
}

/** `(($n->>0)::type0, ...)`: a jsonb parameter as a key of the table's types. */
export function keyParam(t: KeyedTable, n: number): string {
  return `(${t.keyTypes.map((type, i) => `($${n}::jsonb->>${i})::${type}`).join(', ')})`;
}

/** `c."a"::text AS k0, ...` */
export function keySelect(t: KeyedTable): string {
  return t.key.map((k, i) => `c.${ident(k)}::text AS k${i}`).join(', ');
}

/** The WHERE condition of a range with $first.. parameters for its bounds; null bounds drop out. */
export function rangeCondition(t: KeyedTable, r: KeyRange, first: number): { sql: string; params: (string | null)[] } {
  const parts: string[] = [];
  const params: string[] = [];
  if (r.lo) {
    params.push(JSON.stringify(r.lo));
    parts.push(`${keyTuple(t)} > ${keyParam(t, first + params.length - 1)}`);
  }
  if (r.hi) {
    params.push(JSON.stringify(r.hi));
    parts.push(`${keyTuple(t)} <= ${keyParam(t, first + params.length - 1)}`);
  }
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

/**
 * The `step`-th key after `after` (null: from the start), in key order: the upper bound of a
 * chunk of `step` keys. An index-only walk of `step` entries. $1: step - 1.
 */
export function nthKeyQuery(t: KeyedTable, r: KeyRange): { sql: string; params: (string | null)[] } {
  const cond = rangeCondition(t, r, 2);
  return {
    sql: `SELECT ${keySelect(t)} FROM ONLY ${qualified(t.schema, t.name)} c
 WHERE ${cond.sql}
 ORDER BY ${identList(t.key)} OFFSET $1 LIMIT 1`,
    params: cond.params,
  };
}

/** Up to $1 keys after the range's `lo` (its `hi` ignored), in key order: a page of keys. */
export function keyPageQuery(t: KeyedTable, after: KeyText | null): { sql: string; params: (string | null)[] } {
  const cond = rangeCondition(t, { lo: after, hi: null }, 2);
  return {
    sql: `SELECT ${keySelect(t)} FROM ONLY ${qualified(t.schema, t.name)} c
 WHERE ${cond.sql}
 ORDER BY ${identList(t.key)} LIMIT $1`,
    params: cond.params,
  };
}

/** Which of the given keys ($1: jsonb array of keys) the table holds, itself alone. */
export function keysPresentQuery(t: KeyedTable): string {
  return `SELECT ${keySelect(t)} FROM ONLY ${qualified(t.schema, t.name)} c
 WHERE ${keyTuple(t)} IN (SELECT ${t.keyTypes.map((type, i) => `(x->>${i})::${type}`).join(', ')} FROM jsonb_array_elements($1::jsonb) x)`;
}

/** A key of the rows from a query that selected k0..kn. */
export function keyOfRow(row: Record<string, unknown>, n: number): KeyText {
  return Array.from({ length: n }, (_, i) => String(row[`k${i}`]));
}
