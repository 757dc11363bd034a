import { describe, expect, it } from 'vitest';
import { assessTables, selectTables } from '../../../src/plan/assess-tables.js';
import { column, copyTable, database, foreignKey, table } from '../support/models.js';

const NO_SELECTION = {};

function assessOne(oldT: ReturnType<typeof table>, newTables: ReturnType<typeof table>[], copySchema = false) {
  const [a, ...rest] = assessTables(database([oldT]), database(newTables), NO_SELECTION, { copySchema });
  expect(rest).toEqual([]);
  return a!;
}

describe('assessTables', () => {
  it('accepts a table NEW has identically, with no refusals or warnings', () => {
    const t = table('Sales Dept', 'Order "X"', {
      columns: [column('id', 'bigint', { notNull: true }), column('user', 'text')],
    });
    const n = copyTable(t, { oid: 1 });
    const a = assessOne(t, [n]);
    expect(a).toEqual({ table: t, newTable: n, remoteName: 'Order "X"_remote', refusals: [], warnings: [] });
  });

  it('refuses a schema difference, prefixed so it reads as one', () => {
    const t = table('public', 'user');
    const n = copyTable(t, { columns: [column('id', 'integer', { notNull: true })] });
    expect(assessOne(t, [n]).refusals).toEqual([
      'schema differs: public.user.id: type is bigint on OLD but integer on NEW',
    ]);
  });

  it('refuses a partitioned table', () => {
    const t = table('public', 'events', { kind: 'partitioned', childCount: 2 });
    const r = assessOne(t, [copyTable(t)]).refusals;
    expect(r).toHaveLength(1);
    expect(r[0]).toMatch(/^partitioned table: /);
  });

  it('refuses a partition, naming its parent', () => {
    const t = table('public', 'events_2024', { isPartition: true, parents: ['public.events'] });
    expect(assessOne(t, [copyTable(t)]).refusals).toEqual([
      'partition of public.events: moved with its partitioned table, which fdwmig refuses',
    ]);
  });

  it('refuses legacy inheritance, as child and as parent', () => {
    const child = table('public', 'child', { parents: ['public.base'] });
    expect(assessOne(child, [copyTable(child)]).refusals).toEqual([
      'inherits from public.base: legacy inheritance trees are not supported',
    ]);
    const base = table('public', 'base', { childCount: 1 });
    expect(assessOne(base, [copyTable(base)]).refusals).toEqual([
      'has inheritance children: legacy inheritance trees are not supported',
    ]);
  });

  it('refuses a table missing on NEW, unless the schema is to be copied', () => {
    const t = table('public', 'orders');
    const refused = assessOne(t, [table('public', 'other')]);
    expect(refused.newTable).toBeNull();
    expect(refused.refusals).toEqual(['missing on NEW: apply the schema to NEW first, or run init-new --copy-schema']);
    const copied = assessOne(t, [], true);
    expect(copied.newTable).toBeNull();
    expect(copied.refusals).toEqual([]);
  });

  it('refuses when NEW already has a table named <t>_remote in the same schema', () => {
    const t = table('Sales Dept', 'Order');
    const a = assessOne(t, [copyTable(t), table('Sales Dept', 'Order_remote')]);
    expect(a.refusals).toEqual([
      'NEW already has a table named Sales Dept.Order_remote, the name fdwmig needs for the foreign table',
    ]);
    expect(assessOne(t, [copyTable(t), table('other', 'Order_remote')]).refusals).toEqual([]);
  });

  it('uses the shortened remote name for a long table name', () => {
    const t = table('public', 'n'.repeat(60));
    const a = assessOne(t, [copyTable(t)]);
    expect(Buffer.byteLength(a.remoteName)).toBeLessThanOrEqual(63);
    expect(a.remoteName).toMatch(/_[0-9a-f]{8}_remote$/);
  });

  it('warns about a table without a primary key but still accepts it', () => {
    const t = table('public', 'log', { primaryKey: null });
    const a = assessOne(t, [copyTable(t)]);
    expect(a.refusals).toEqual([]);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toMatch(
      /^no primary key or unique key over NOT NULL columns: .*migrate cannot move its rows/,
    );
  });

  it('keys a table without a primary key by a unique constraint over NOT NULL columns', () => {
    const t = table('public', 'log', {
      primaryKey: null,
      columns: [column('a', 'integer', { notNull: true }), column('b', 'text'), column('c', 'uuid', { notNull: true })],
      uniqueKeys: [['b'], ['c', 'a']],
    });
    const a = assessOne(t, [copyTable(t)]);
    expect(a.refusals).toEqual([]);
    expect(a.warnings).toEqual(['no primary key: moved by its unique key (c, a)']);
  });

  it('warns about ON DELETE CASCADE, SET NULL and SET DEFAULT, not NO ACTION or RESTRICT', () => {
    const t = table('public', 'line', {
      foreignKeys: [
        foreignKey('line_order_fkey', 'public.order', { onDelete: 'c' }),
        foreignKey('line_a', 'public.a', { onDelete: 'a' }),
        foreignKey('line_r', 'public.r', { onDelete: 'r' }),
        foreignKey('line_n', 'public.n', { onDelete: 'n' }),
        foreignKey('line_d', 'public.d', { onDelete: 'd' }),
      ],
    });
    const a = assessOne(t, [copyTable(t)]);
    expect(a.refusals).toEqual([]);
    expect(a.warnings).toEqual([
      "FK line_order_fkey is ON DELETE CASCADE on OLD: rows are moved referencing-first so OLD's deletes never reach unmoved rows",
      "FK line_n is ON DELETE SET NULL on OLD: rows are moved referencing-first so OLD's deletes never reach unmoved rows",
      "FK line_d is ON DELETE SET DEFAULT on OLD: rows are moved referencing-first so OLD's deletes never reach unmoved rows",
    ]);
  });

  it('warns about unlogged tables, row security and enabled triggers (not disabled ones)', () => {
    const t = table('public', 't', {
      unlogged: true,
      rowSecurity: true,
      triggers: [
        { name: 'audit', enabled: 'O', events: ['INSERT'], definition: 'x' },
        { name: 'off', enabled: 'D', events: ['INSERT'], definition: 'y' },
        { name: 'always', enabled: 'A', events: ['INSERT'], definition: 'z' },
      ],
    });
    const w = assessOne(t, [copyTable(t)]).warnings;
    expect(w).toHaveLength(3);
    expect(w[0]).toMatch(/^unlogged: /);
    expect(w[1]).toMatch(/^row level security is on: /);
    expect(w[2]).toBe('user triggers on OLD (audit, always) must not fire when moved rows are deleted there');
  });

  it('assesses only the selected tables, in OLD order', () => {
    const a = table('public', 'a');
    const b = table('public', 'b');
    const c = table('app', 'c');
    const result = assessTables(
      database([a, b, c]),
      database([a, b, c].map((t) => copyTable(t))),
      { excludeTables: ['public.b'] },
      { copySchema: false },
    );
    expect(result.map((r) => r.table)).toEqual([a, c]);
  });
});

describe('selectTables', () => {
  const tables = [
    table('public', 'orders'),
    table('public', 'user'),
    table('Sales Dept', 'Order "X"'),
    table('日本', 'café'),
  ];
  const names = (sel: Parameters<typeof selectTables>[1]) =>
    selectTables(tables, sel).map((t) => `${t.schema}.${t.name}`);

  it('selects every table by default, and for empty lists', () => {
    expect(names({})).toEqual(['public.orders', 'public.user', 'Sales Dept.Order "X"', '日本.café']);
    expect(names({ schemas: [], tables: [], excludeTables: [] })).toHaveLength(4);
  });

  it('keeps only the given schemas', () => {
    expect(names({ schemas: ['Sales Dept', '日本'] })).toEqual(['Sales Dept.Order "X"', '日本.café']);
  });

  it('keeps only the given qualified tables, matched exactly (case and quotes included)', () => {
    expect(names({ tables: ['public.user', 'Sales Dept.Order "X"', 'public.Orders'] })).toEqual([
      'public.user',
      'Sales Dept.Order "X"',
    ]);
  });

  it('leaves out excluded tables', () => {
    expect(names({ excludeTables: ['public.orders', '日本.café'] })).toEqual(['public.user', 'Sales Dept.Order "X"']);
  });

  it('combines schemas, tables and exclusions', () => {
    expect(
      names({
        schemas: ['public'],
        tables: ['public.orders', 'public.user', '日本.café'],
        excludeTables: ['public.user'],
      }),
    ).toEqual(['public.orders']);
  });
});
