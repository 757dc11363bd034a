import { describe, expect, it } from 'vitest';
import {
  rowsToModel,
  type CatalogRows,
  type ColumnRow,
  type ConstraintRow,
  type SequenceRow,
  type ServerRow,
  type TableRow,
} from '../../../src/introspect/reduce.js';

// Rows as node-postgres returns them: int8 columns (oid, estimated_rows, increment) arrive as strings.

const serverRow: ServerRow = {
  version_num: 130_023,
  version: 'PostgreSQL 13.23 on x86_64-pc-linux-gnu',
  database: 'shop',
  role: 'app user',
  is_superuser: false,
  can_create_schema: true,
  wal_level: 'logical',
  max_prepared_transactions: 10,
  fdw_installed: null,
  fdw_available: true,
  large_objects: '3',
  materialized_views: ['public.mv_sales'],
};

function tableRow(oid: string | number, schema: string, name: string, over: Partial<TableRow> = {}): TableRow {
  return {
    oid,
    schema,
    name,
    kind: 'r',
    persistence: 'p',
    is_partition: false,
    estimated_rows: '0',
    parents: null,
    child_count: 0,
    row_security: false,
    ...over,
  };
}

function columnRow(
  tableOid: string | number,
  num: number,
  name: string,
  type: string,
  over: Partial<ColumnRow> = {},
): ColumnRow {
  return {
    table_oid: tableOid,
    num,
    name,
    type,
    not_null: false,
    generated: '',
    identity: '',
    default_expr: null,
    collation: null,
    ...over,
  };
}

function constraintRow(
  tableOid: string | number,
  name: string,
  type: string,
  columns: string[],
  over: Partial<ConstraintRow> = {},
): ConstraintRow {
  return {
    table_oid: tableOid,
    name,
    type,
    columns,
    ref_schema: null,
    ref_table: null,
    ref_columns: [],
    on_update: ' ',
    on_delete: ' ',
    deferrable: false,
    deferred: false,
    validated: true,
    no_inherit: false,
    definition: '',
    ...over,
  };
}

function sequenceRow(schema: string, name: string, over: Partial<SequenceRow> = {}): SequenceRow {
  return {
    schema,
    name,
    increment: '1',
    min_value: '1',
    max_value: '9223372036854775807',
    last_value: null,
    owner_schema: null,
    owner_table: null,
    owner_column: null,
    is_identity: null,
    ...over,
  };
}

const ORDER = '16401';
const LINE = '16410';

function catalog(): CatalogRows {
  return {
    server: serverRow,
    tables: [
      tableRow(ORDER, 'Sales Dept', 'Order "X"', { estimated_rows: '12345678901', row_security: true }),
      tableRow(LINE, 'Sales Dept', 'line', { persistence: 'u' }),
      tableRow(16420, 'public', 'events', { kind: 'p', child_count: 2 }),
      tableRow('16421', 'public', 'events_2024', { is_partition: true, parents: ['public.events'] }),
    ],
    // Interleaved on purpose: grouping is by oid, order within a table is kept.
    columns: [
      columnRow(ORDER, 1, 'id', 'bigint', { not_null: true, identity: 'a' }),
      columnRow(LINE, 1, 'order_id', 'bigint', { not_null: true }),
      columnRow(ORDER, 2, 'user', 'text', { collation: 'pg_catalog."C"', default_expr: 'CURRENT_USER' }),
      columnRow(ORDER, 3, 'Qty', 'integer', { identity: 'd' }),
      columnRow(ORDER, 4, 'total', 'numeric', { generated: 's', default_expr: '("Qty" * 2)' }),
      columnRow(16420, 1, 'at', 'timestamp with time zone'),
      columnRow(LINE, 2, 'café', 'text'),
    ],
    constraints: [
      constraintRow(ORDER, 'Order "X"_Qty_check', 'c', ['Qty'], { definition: 'CHECK (("Qty" > 0))' }),
      constraintRow(ORDER, 'only_here', 'c', ['id'], {
        definition: 'CHECK ((id > 0)) NO INHERIT',
        no_inherit: true,
        validated: false,
      }),
      constraintRow(ORDER, 'Order "X"_pkey', 'p', ['id']),
      constraintRow(ORDER, 'Order "X"_user_Qty_key', 'u', ['user', 'Qty']),
      constraintRow(ORDER, 'one_user', 'u', ['user']),
      constraintRow(LINE, 'line_order_fkey', 'f', ['order_id'], {
        ref_schema: 'Sales Dept',
        ref_table: 'Order "X"',
        ref_columns: ['id'],
        on_delete: 'c',
        on_update: 'a',
        deferrable: true,
        validated: false,
        definition:
          'FOREIGN KEY (order_id) REFERENCES "Sales Dept"."Order ""X"""(id) ON DELETE CASCADE DEFERRABLE NOT VALID',
      }),
      constraintRow(LINE, 'ex', 'x', ['order_id']),
    ],
    triggers: [
      { table_oid: LINE, name: 'audit', enabled: 'O', events: ['DELETE'], definition: 'CREATE TRIGGER audit ...' },
      { table_oid: '16401', name: 'off', enabled: 'D', definition: 'CREATE TRIGGER off ...' },
    ],
    sequences: [
      sequenceRow('Sales Dept', 'Order "X"_id_seq', {
        last_value: '41',
        owner_schema: 'Sales Dept',
        owner_table: 'Order "X"',
        owner_column: 'id',
        is_identity: true,
      }),
      sequenceRow('public', 'down', { increment: '-1', min_value: '-9223372036854775808', max_value: '-1' }),
      sequenceRow('public', 'half_owned', {
        owner_schema: 'public',
        owner_table: 't',
        owner_column: null,
        is_identity: false,
      }),
    ],
  };
}

describe('rowsToModel', () => {
  const model = rowsToModel(catalog());
  const byName = (name: string) => {
    const t = model.tables.find((x) => x.name === name);
    if (!t) throw new Error(`no table ${name}`);
    return t;
  };

  it('converts the server row, turning counts into numbers', () => {
    expect(model.server).toEqual({
      versionNum: 130_023,
      version: 'PostgreSQL 13.23 on x86_64-pc-linux-gnu',
      database: 'shop',
      role: 'app user',
      isSuperuser: false,
      canCreateSchema: true,
      walLevel: 'logical',
      maxPreparedTransactions: 10,
      fdwInstalled: null,
      fdwAvailable: true,
      fdwUsage: false,
      largeObjects: 3,
      materializedViews: ['public.mv_sales'],
    });
  });

  it('reads a null materialized view list as empty', () => {
    expect(
      rowsToModel({ ...catalog(), server: { ...serverRow, materialized_views: null } }).server.materializedViews,
    ).toEqual([]);
  });

  it('keeps the tables in row order with numeric oids and row estimates', () => {
    expect(model.tables.map((t) => [t.oid, `${t.schema}.${t.name}`])).toEqual([
      [16401, 'Sales Dept.Order "X"'],
      [16410, 'Sales Dept.line'],
      [16420, 'public.events'],
      [16421, 'public.events_2024'],
    ]);
    expect(byName('Order "X"').estimatedRows).toBe(12_345_678_901);
  });

  it('groups columns by table oid, whether the oid came as a string or a number', () => {
    expect(byName('Order "X"').columns.map((c) => c.name)).toEqual(['id', 'user', 'Qty', 'total']);
    expect(byName('line').columns.map((c) => c.name)).toEqual(['order_id', 'café']);
    expect(byName('events').columns.map((c) => c.name)).toEqual(['at']);
    expect(byName('events_2024').columns).toEqual([]);
  });

  it('maps identity, generated, default and collation', () => {
    expect(byName('Order "X"').columns).toEqual([
      { name: 'id', type: 'bigint', notNull: true, generated: '', identity: 'a', defaultExpr: null, collation: null },
      {
        name: 'user',
        type: 'text',
        notNull: false,
        generated: '',
        identity: '',
        defaultExpr: 'CURRENT_USER',
        collation: 'pg_catalog."C"',
      },
      {
        name: 'Qty',
        type: 'integer',
        notNull: false,
        generated: '',
        identity: 'd',
        defaultExpr: null,
        collation: null,
      },
      {
        name: 'total',
        type: 'numeric',
        notNull: false,
        generated: 's',
        identity: '',
        defaultExpr: '("Qty" * 2)',
        collation: null,
      },
    ]);
  });

  it('treats unknown generated and identity codes as none', () => {
    const rows = catalog();
    rows.columns = [columnRow(ORDER, 1, 'v', 'int', { generated: 'v', identity: 'x' })];
    const c = rowsToModel(rows).tables[0]!.columns[0]!;
    expect(c.generated).toBe('');
    expect(c.identity).toBe('');
  });

  it('splits constraints into primary key, unique keys, foreign keys and checks, dropping other kinds', () => {
    const order = byName('Order "X"');
    expect(order.primaryKey).toEqual(['id']);
    expect(order.uniqueKeys).toEqual([['user', 'Qty'], ['user']]);
    expect(order.foreignKeys).toEqual([]);
    expect(order.checks).toEqual([
      { name: 'Order "X"_Qty_check', definition: 'CHECK (("Qty" > 0))', noInherit: false },
      { name: 'only_here', definition: 'CHECK ((id > 0)) NO INHERIT', noInherit: true },
    ]);
    const line = byName('line');
    expect(line.primaryKey).toBeNull();
    expect(line.uniqueKeys).toEqual([]);
    expect(line.checks).toEqual([]);
    expect(line.foreignKeys).toEqual([
      {
        name: 'line_order_fkey',
        columns: ['order_id'],
        refTable: 'Sales Dept.Order "X"',
        refSchema: 'Sales Dept',
        refName: 'Order "X"',
        refColumns: ['id'],
        onDelete: 'c',
        onUpdate: 'a',
        deferrable: true,
        validated: false,
        definition:
          'FOREIGN KEY (order_id) REFERENCES "Sales Dept"."Order ""X"""(id) ON DELETE CASCADE DEFERRABLE NOT VALID',
      },
    ]);
  });

  it('maps kind, persistence, partitions, parents, children and row security', () => {
    expect(byName('Order "X"')).toMatchObject({
      kind: 'table',
      unlogged: false,
      isPartition: false,
      parents: [],
      childCount: 0,
      rowSecurity: true,
    });
    expect(byName('line')).toMatchObject({ kind: 'table', unlogged: true, rowSecurity: false });
    expect(byName('events')).toMatchObject({ kind: 'partitioned', childCount: 2, isPartition: false });
    expect(byName('events_2024')).toMatchObject({ kind: 'table', isPartition: true, parents: ['public.events'] });
  });

  it('attaches triggers to their table', () => {
    expect(byName('line').triggers).toEqual([
      { name: 'audit', enabled: 'O', events: ['DELETE'], definition: 'CREATE TRIGGER audit ...' },
    ]);
    expect(byName('Order "X"').triggers.map((t) => [t.name, t.enabled])).toEqual([['off', 'D']]);
    expect(byName('events').triggers).toEqual([]);
  });

  it('maps sequences with their owner, direction and identity flag', () => {
    expect(model.sequences).toEqual([
      {
        schema: 'Sales Dept',
        name: 'Order "X"_id_seq',
        increment: 1,
        minValue: '1',
        maxValue: '9223372036854775807',
        lastValue: '41',
        owner: { schema: 'Sales Dept', table: 'Order "X"', column: 'id' },
        isIdentity: true,
      },
      {
        schema: 'public',
        name: 'down',
        increment: -1,
        minValue: '-9223372036854775808',
        maxValue: '-1',
        lastValue: null,
        owner: null,
        isIdentity: false,
      },
      {
        schema: 'public',
        name: 'half_owned',
        increment: 1,
        minValue: '1',
        maxValue: '9223372036854775807',
        lastValue: null,
        owner: null,
        isIdentity: false,
      },
    ]);
  });

  it('builds an empty model from empty rows', () => {
    const empty = rowsToModel({
      server: serverRow,
      tables: [],
      columns: [],
      constraints: [],
      triggers: [],
      sequences: [],
    });
    expect(empty.tables).toEqual([]);
    expect(empty.sequences).toEqual([]);
  });
});
