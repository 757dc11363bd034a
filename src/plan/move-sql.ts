/**
 * The SQL of one batch move (docs/PROTOCOL.md), built from a table's model. Pure: every name is
 * quoted here. Keys travel as text and are cast back to the key's types; a batch's keys are a
 * contiguous run in key order, so every statement bounds them by range (an index range scan)
 * and then by membership (only the batch's own keys, never a key the application inserted).
 */
import type { TableModel } from '../introspect/model.js';
import { ident, identList, literal, qualified } from '../sql/quote.js';
import { moveKey } from './move-key.js';

/** A key's values as text, in primary key column order. */
export type Key = readonly string[];

export interface MoveSql {
  readonly keyColumns: readonly string[];
  /** $1: the previous batch's last key as a jsonb array, or null; $2: limit. Returns k0..kn (text) and v (xmin). */
  readonly readKeys: string;
  /** COPY TO of the rows with keys after `after` (if any) up to `last`: COPY takes no parameters. */
  copyOutRange(after: Key | null, last: Key): string;
  /** COPY FROM into NEW's local table: non-generated columns, the same order as copyOut*. */
  readonly copyIn: string;
  /** $1: jsonb keys, $2: first key (jsonb), $3: last key (jsonb). Locks them on OLD; returns keys and versions. */
  readonly lockKeys: string;
  /** COPY TO of the given keys' rows. */
  copyOutKeys(keys: readonly Key[], first: Key, last: Key): string;
  /** $1..$3 as lockKeys. Deletes those keys from NEW's local table only. */
  readonly deleteNewKeys: string;
  /** $1..$3 as lockKeys. Deletes those keys from OLD's table. */
  readonly deleteOldKeys: string;
  /** Rows still on OLD (ONLY: never the children an OLD table might have). */
  readonly countOld: string;
}

/** Columns a batch copies: generated ones are left out so NEW computes them. */
export function copiedColumns(t: TableModel): string[] {
  return t.columns.filter((c) => c.generated === '').map((c) => c.name);
}

function keyTypes(t: TableModel, pk: readonly string[]): string[] {
  return pk.map((k) => {
    const col = t.columns.find((c) => c.name === k);
    if (!col) throw new Error(`primary key column ${k} not found in ${t.schema}.${t.name}`);
    return col.type;
  });
}

/** Builds the move SQL for a table with a key (primary key, or unique over NOT NULL columns). */
export function buildMoveSql(t: TableModel): MoveSql {
  const pk = moveKey(t);
  if (!pk) throw new Error(`${t.schema}.${t.name} has no primary key or unique key over NOT NULL columns`);
  const types = keyTypes(t, pk);
  const table = qualified(t.schema, t.name);
  const cols = identList(copiedColumns(t));
  const tuple = `(${identList(pk)})`;
  const fromJson = (param: string) => `(${types.map((type, i) => `(${param}->>${i})::${type}`).join(', ')})`;
  const fromLiteral = (k: Key) => `(${k.map((v, i) => `${literal(v)}::${types[i]}`).join(', ')})`;
  const keySelect = pk.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ');
  const inBatch = (keysParam: string, first: string, last: string) =>
    `${tuple} >= ${first} AND ${tuple} <= ${last}
   AND ${tuple} IN (SELECT ${types.map((type, i) => `(x->>${i})::${type}`).join(', ')} FROM jsonb_array_elements(${keysParam}) x)`;
  const paramBatch = inBatch('$1::jsonb', fromJson('$2::jsonb'), fromJson('$3::jsonb'));
  return {
    keyColumns: pk,
    readKeys: `SELECT ${keySelect}, xmin::text AS v FROM ONLY ${table}
 WHERE $1::jsonb IS NULL OR ${tuple} > ${fromJson('$1::jsonb')}
 ORDER BY ${identList(pk)} LIMIT $2`,
    copyOutRange: (after, last) =>
      `COPY (SELECT ${cols} FROM ONLY ${table} WHERE ${after ? `${tuple} > ${fromLiteral(after)} AND ` : ''}${tuple} <= ${fromLiteral(last)}) TO STDOUT`,
    copyIn: `COPY ${table} (${cols}) FROM STDIN`,
    lockKeys: `SELECT ${keySelect}, xmin::text AS v FROM ONLY ${table} WHERE ${paramBatch} FOR UPDATE`,
    copyOutKeys: (keys, first, last) =>
      `COPY (SELECT ${cols} FROM ONLY ${table} WHERE ${inBatch(`${literal(JSON.stringify(keys))}::jsonb`, fromLiteral(first), fromLiteral(last))}) TO STDOUT`,
    deleteNewKeys: `DELETE FROM ONLY ${table} WHERE ${paramBatch}`,
    deleteOldKeys: `DELETE FROM ONLY ${table} WHERE ${paramBatch}`,
    countOld: `SELECT count(*)::int8 AS n FROM ONLY ${table}`,
  };
}
