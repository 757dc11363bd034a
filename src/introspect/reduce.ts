/**
 * Pure reducers from catalog rows (sql/*.sql) to the model. Unit-tested on captured rows.
 */
import type { ColumnModel, DatabaseModel, FkAction, SequenceModel, ServerInfo, TableModel } from './model.js';

export interface TableRow {
  oid: string | number;
  schema: string;
  name: string;
  kind: string;
  persistence: string;
  is_partition: boolean;
  estimated_rows: string | number;
  parents: string[] | null;
  child_count: number;
  row_security: boolean;
}
export interface ColumnRow {
  table_oid: string | number;
  num: number;
  name: string;
  type: string;
  not_null: boolean;
  generated: string;
  identity: string;
  default_expr: string | null;
  collation: string | null;
}
export interface ConstraintRow {
  table_oid: string | number;
  name: string;
  type: string;
  columns: string[];
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[];
  on_update: string;
  on_delete: string;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
  no_inherit: boolean;
  definition: string;
}
export interface TriggerRow {
  table_oid: string | number;
  name: string;
  enabled: string;
  events?: string[];
  definition: string;
}
export interface SequenceRow {
  schema: string;
  name: string;
  increment: string | number;
  min_value: string;
  max_value: string;
  last_value: string | null;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
  is_identity: boolean | null;
}
export interface ServerRow {
  version_num: number;
  version: string;
  database: string;
  role: string;
  is_superuser: boolean;
  can_create_schema: boolean;
  wal_level: string;
  max_prepared_transactions: number;
  fdw_installed: string | null;
  fdw_available: boolean;
  fdw_usage?: boolean;
  large_objects: string | number;
  materialized_views: string[] | null;
}

export interface CatalogRows {
  server: ServerRow;
  tables: TableRow[];
  columns: ColumnRow[];
  constraints: ConstraintRow[];
  triggers: TriggerRow[];
  sequences: SequenceRow[];
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function toColumn(r: ColumnRow): ColumnModel {
  return {
    name: r.name,
    type: r.type,
    notNull: r.not_null,
    generated: r.generated === 's' ? 's' : '',
    identity: r.identity === 'a' || r.identity === 'd' ? r.identity : '',
    defaultExpr: r.default_expr,
    collation: r.collation,
  };
}

function toTable(r: TableRow, cols: ColumnRow[], cons: ConstraintRow[], trgs: TriggerRow[]): TableModel {
  const pk = cons.find((c) => c.type === 'p');
  return {
    schema: r.schema,
    name: r.name,
    oid: Number(r.oid),
    kind: r.kind === 'p' ? 'partitioned' : 'table',
    unlogged: r.persistence === 'u',
    isPartition: r.is_partition,
    parents: r.parents ?? [],
    childCount: r.child_count,
    rowSecurity: r.row_security,
    estimatedRows: Number(r.estimated_rows),
    columns: cols.map(toColumn),
    primaryKey: pk ? pk.columns : null,
    uniqueKeys: cons.filter((c) => c.type === 'u').map((c) => c.columns),
    foreignKeys: cons
      .filter((c) => c.type === 'f')
      .map((c) => ({
        name: c.name,
        columns: c.columns,
        refTable: `${c.ref_schema}.${c.ref_table}`,
        refSchema: c.ref_schema ?? '',
        refName: c.ref_table ?? '',
        refColumns: c.ref_columns,
        onDelete: c.on_delete as FkAction,
        onUpdate: c.on_update as FkAction,
        deferrable: c.deferrable,
        validated: c.validated,
        definition: c.definition,
      })),
    checks: cons
      .filter((c) => c.type === 'c')
      .map((c) => ({ name: c.name, definition: c.definition, noInherit: c.no_inherit })),
    triggers: trgs.map((t) => ({ name: t.name, enabled: t.enabled, events: t.events ?? [], definition: t.definition })),
  };
}

function toSequence(r: SequenceRow): SequenceModel {
  return {
    schema: r.schema,
    name: r.name,
    increment: Number(r.increment),
    minValue: r.min_value,
    maxValue: r.max_value,
    lastValue: r.last_value,
    owner:
      r.owner_schema && r.owner_table && r.owner_column
        ? { schema: r.owner_schema, table: r.owner_table, column: r.owner_column }
        : null,
    isIdentity: r.is_identity === true,
  };
}

function toServer(r: ServerRow): ServerInfo {
  return {
    versionNum: Number(r.version_num),
    version: r.version,
    database: r.database,
    role: r.role,
    isSuperuser: r.is_superuser,
    canCreateSchema: r.can_create_schema,
    walLevel: r.wal_level,
    maxPreparedTransactions: Number(r.max_prepared_transactions),
    fdwInstalled: r.fdw_installed,
    fdwAvailable: r.fdw_available,
    fdwUsage: r.fdw_usage === true,
    largeObjects: Number(r.large_objects),
    materializedViews: r.materialized_views ?? [],
  };
}

/** Builds the database model from the rows of the catalog queries. */
export function rowsToModel(rows: CatalogRows): DatabaseModel {
  const cols = groupBy(rows.columns, (r) => String(r.table_oid));
  const cons = groupBy(rows.constraints, (r) => String(r.table_oid));
  const trgs = groupBy(rows.triggers, (r) => String(r.table_oid));
  return {
    server: toServer(rows.server),
    tables: rows.tables.map((t) => {
      const k = String(t.oid);
      return toTable(t, cols.get(k) ?? [], cons.get(k) ?? [], trgs.get(k) ?? []);
    }),
    sequences: rows.sequences.map(toSequence),
  };
}
