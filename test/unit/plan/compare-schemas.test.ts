import { describe, expect, it } from 'vitest';
import { compareTable } from '../../../src/plan/compare-schemas.js';
import { column, copyTable, table } from '../support/models.js';

const oldOrder = () =>
  table('Sales Dept', 'Order "X"', {
    columns: [
      column('id', 'bigint', { notNull: true, identity: 'a' }),
      column('user', 'text'),
      column('Qty', 'integer', { notNull: true }),
      column('total', 'numeric(12,2)', { generated: 's', defaultExpr: '("Qty" * 2)' }),
    ],
    primaryKey: ['id'],
  });

describe('compareTable', () => {
  it('finds nothing when the tables are identical', () => {
    const t = oldOrder();
    expect(compareTable(t, copyTable(t))).toEqual([]);
  });

  it('ignores what does not matter for INHERIT or moving rows: oid, stats, column order, defaults, identity', () => {
    const o = oldOrder();
    const n = copyTable(o, { oid: 99, estimatedRows: 1_000_000 });
    n.columns.reverse();
    n.columns.find((c) => c.name === 'id')!.identity = 'd';
    n.columns.find((c) => c.name === 'user')!.defaultExpr = "'x'::text";
    expect(compareTable(o, n)).toEqual([]);
  });

  it('reports a type difference', () => {
    const o = oldOrder();
    const n = copyTable(o);
    n.columns.find((c) => c.name === 'Qty')!.type = 'bigint';
    expect(compareTable(o, n)).toEqual(['Sales Dept.Order "X".Qty: type is integer on OLD but bigint on NEW']);
  });

  it('reports a column missing on NEW', () => {
    const o = oldOrder();
    const n = copyTable(o);
    n.columns = n.columns.filter((c) => c.name !== 'user');
    expect(compareTable(o, n)).toEqual(['Sales Dept.Order "X": column user (text) is missing on NEW']);
  });

  it('reports a column that exists only on NEW', () => {
    const o = oldOrder();
    const n = copyTable(o);
    n.columns.push(column('café', 'text'));
    expect(compareTable(o, n)).toEqual([
      'Sales Dept.Order "X": column café exists only on NEW (the foreign table could not read it from OLD)',
    ]);
  });

  it('reports NOT NULL on NEW only, but not NOT NULL on OLD only', () => {
    const o = oldOrder();
    const n = copyTable(o);
    n.columns.find((c) => c.name === 'user')!.notNull = true;
    n.columns.find((c) => c.name === 'Qty')!.notNull = false;
    expect(compareTable(o, n)).toEqual([
      'Sales Dept.Order "X".user: NOT NULL on NEW but nullable on OLD (moved NULLs would fail)',
    ]);
  });

  it('reports a generated column that is plain on NEW, and the reverse', () => {
    const o = oldOrder();
    const n = copyTable(o);
    n.columns.find((c) => c.name === 'total')!.generated = '';
    n.columns.find((c) => c.name === 'user')!.generated = 's';
    expect(compareTable(o, n)).toEqual([
      'Sales Dept.Order "X".user: not generated on OLD but generated on NEW',
      'Sales Dept.Order "X".total: generated on OLD but not generated on NEW',
    ]);
  });

  it('reports a different primary key, including column order and a missing key', () => {
    const o = oldOrder();
    expect(compareTable(o, copyTable(o, { primaryKey: ['id', 'Qty'] }))).toEqual([
      'Sales Dept.Order "X": primary key is (id) on OLD but (id, Qty) on NEW',
    ]);
    expect(compareTable(o, copyTable(o, { primaryKey: null }))).toEqual([
      'Sales Dept.Order "X": primary key is (id) on OLD but (none) on NEW',
    ]);
    const two = copyTable(o, { primaryKey: ['id', 'Qty'] });
    expect(compareTable(two, copyTable(o, { primaryKey: ['Qty', 'id'] }))).toHaveLength(1);
    expect(compareTable(copyTable(o, { primaryKey: null }), copyTable(o, { primaryKey: null }))).toEqual([]);
  });

  it('lists every problem at once', () => {
    const o = oldOrder();
    const n = copyTable(o, { primaryKey: null });
    n.columns = [column('id', 'integer', { notNull: true }), column('extra')];
    expect(compareTable(o, n)).toHaveLength(6);
  });
});
