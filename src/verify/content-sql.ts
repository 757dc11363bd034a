/**
 * SQL for comparing a table's content on OLD and NEW. Pure; every name quoted here.
 *
 * A row is fingerprinted as md5 of its columns' text (named columns, in one order on both sides,
 * printed under the same session settings, see session.ts). A range of rows is fingerprinted as
 * its count and the sums of the two 64-bit halves of its rows' md5s. The sum does not depend on
 * the order rows come in, so the two servers need not sort text keys alike (their collations may
 * come from different libc versions): a row that differs changes the sums, and narrowing then
 * looks rows up by key equality, which every collation agrees on.
 */
import { ident, qualified } from '../sql/quote.js';
import { keyParam, keySelect, keyTuple, rangeCondition, type KeyRange, type KeyedTable } from './key-sql.js';

/** A table to compare: its key (may be empty: no primary key) and the columns compared. */
export interface ComparedTable extends KeyedTable {
  columns: readonly string[];
}

export function rowHash(t: ComparedTable): string {
  return `pg_catalog.md5(ROW(${t.columns.map((c) => `c.${ident(c)}`).join(', ')})::text)`;
}

function fingerprintOf(from: string): string {
  // bit(64)::int8 reads 16 hex digits as a signed 64-bit number; numeric sums never overflow.
  return `SELECT count(*)::text AS n,
       coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::int8::numeric), 0)::text AS s1,
       coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::int8::numeric), 0)::text AS s2
  FROM (${from}) x`;
}

/** Count and hash sums of the rows in a key range (the whole table for a table without a key). */
export function rangeFingerprintQuery(t: ComparedTable, r: KeyRange): { sql: string; params: (string | null)[] } {
  const cond = t.key.length ? rangeCondition(t, r, 1) : { sql: 'true', params: [] };
  return {
    sql: fingerprintOf(`SELECT ${rowHash(t)} AS h FROM ONLY ${qualified(t.schema, t.name)} c WHERE ${cond.sql}`),
    params: cond.params,
  };
}

/** Each row's key and hash in a key range: for narrowing a range of at most one chunk. */
export function rangeRowsQuery(t: ComparedTable, r: KeyRange): { sql: string; params: (string | null)[] } {
  const cond = rangeCondition(t, r, 1);
  return {
    sql: `SELECT ${keySelect(t)}, ${rowHash(t)} AS h FROM ONLY ${qualified(t.schema, t.name)} c WHERE ${cond.sql}`,
    params: cond.params,
  };
}

/** One row by key ($1: jsonb key): its hash and each compared column's text (v0..vn). */
export function rowByKeyQuery(t: ComparedTable): string {
  return `SELECT ${rowHash(t)} AS h, ${t.columns.map((c, i) => `c.${ident(c)}::text AS v${i}`).join(', ')}
  FROM ONLY ${qualified(t.schema, t.name)} c WHERE ${keyTuple(t)} = ${keyParam(t, 1)}`;
}
