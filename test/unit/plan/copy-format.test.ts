import { describe, expect, it } from 'vitest';
import type { ColumnModel, TableModel } from '../../../src/introspect/model.js';
import { baseTypeName, binaryCopyEligible } from '../../../src/plan/copy-format.js';

const col = (name: string, type: string, generated: '' | 's' = ''): ColumnModel => ({
  name,
  type,
  notNull: false,
  generated,
  identity: '',
  defaultExpr: null,
  collation: null,
});
const table = (...columns: ColumnModel[]): TableModel =>
  ({
    schema: 'public',
    name: 't',
    oid: 1,
    kind: 'table',
    unlogged: false,
    isPartition: false,
    parents: [],
    childCount: 0,
    rowSecurity: false,
    estimatedRows: 0,
    columns,
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: [],
  }) as unknown as TableModel;

describe('baseTypeName', () => {
  it('strips type modifiers and an array suffix', () => {
    expect(baseTypeName('numeric(10,2)')).toEqual({ base: 'numeric', array: false });
    expect(baseTypeName('timestamp(3) with time zone')).toEqual({ base: 'timestamp with time zone', array: false });
    expect(baseTypeName('character varying(20)[]')).toEqual({ base: 'character varying', array: true });
  });
});

describe('binaryCopyEligible', () => {
  const pgbench = table(
    col('id', 'integer'),
    col('bid', 'integer'),
    col('abalance', 'integer'),
    col('filler', 'character(84)'),
  );

  it('allows built-in scalar types and their one-dimensional arrays when NEW has the same types', () => {
    expect(binaryCopyEligible(pgbench, pgbench)).toBe(true);
    const rich = table(
      col('id', 'bigint'),
      col('at', 'timestamp with time zone'),
      col('doc', 'jsonb'),
      col('tags', 'text[]'),
      col('amount', 'numeric(12,2)'),
    );
    expect(binaryCopyEligible(rich, rich)).toBe(true);
  });

  it('keeps text for user types, domains, multi-dimensional arrays and types it does not list', () => {
    for (const type of [
      'public.mood',
      'public.positive_int',
      'integer[][]',
      'public.mood[]',
      'xml',
      'tsvector',
      'point',
      'money',
    ]) {
      const t = table(col('id', 'integer'), col('x', type));
      expect(binaryCopyEligible(t, t)).toBe(false);
    }
  });

  it('keeps text when NEW differs in a column type, lacks a column, or is unknown', () => {
    expect(
      binaryCopyEligible(
        pgbench,
        table(col('id', 'bigint'), col('bid', 'integer'), col('abalance', 'integer'), col('filler', 'character(84)')),
      ),
    ).toBe(false);
    expect(binaryCopyEligible(pgbench, table(col('id', 'integer')))).toBe(false);
    expect(binaryCopyEligible(pgbench, undefined)).toBe(false);
  });

  it('ignores generated columns, which are never copied', () => {
    const t = table(col('id', 'integer'), col('g', 'public.mood', 's'));
    expect(binaryCopyEligible(t, t)).toBe(true);
  });
});
