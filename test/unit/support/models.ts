/** Hand-built models for planner tests: defaults for everything, overrides for what a test is about. */
import type {
  CheckModel,
  ColumnModel,
  DatabaseModel,
  ForeignKeyModel,
  SequenceModel,
  ServerInfo,
  TableModel,
} from '../../../src/introspect/model.js';

export function column(name: string, type = 'integer', over: Partial<ColumnModel> = {}): ColumnModel {
  return { name, type, notNull: false, generated: '', identity: '', defaultExpr: null, collation: null, ...over };
}

let nextOid = 16_384;

export function table(schema: string, name: string, over: Partial<TableModel> = {}): TableModel {
  return {
    schema,
    name,
    oid: nextOid++,
    kind: 'table',
    unlogged: false,
    isPartition: false,
    parents: [],
    childCount: 0,
    rowSecurity: false,
    estimatedRows: 0,
    columns: [column('id', 'bigint', { notNull: true })],
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: [],
    checks: [],
    triggers: [],
    ...over,
  };
}

export function foreignKey(name: string, refTable: string, over: Partial<ForeignKeyModel> = {}): ForeignKeyModel {
  return {
    name,
    columns: ['ref_id'],
    refTable,
    refSchema: refTable.slice(0, refTable.indexOf('.')),
    refName: refTable.slice(refTable.indexOf('.') + 1),
    refColumns: ['id'],
    onDelete: 'a',
    onUpdate: 'a',
    deferrable: false,
    validated: true,
    definition: `FOREIGN KEY (ref_id) REFERENCES ${refTable}(id)`,
    ...over,
  };
}

export function check(name: string, definition: string, over: Partial<CheckModel> = {}): CheckModel {
  return { name, definition, noInherit: false, ...over };
}

export function sequence(schema: string, name: string, over: Partial<SequenceModel> = {}): SequenceModel {
  return {
    schema,
    name,
    increment: 1,
    minValue: '1',
    maxValue: '9223372036854775807',
    lastValue: null,
    owner: null,
    isIdentity: false,
    ...over,
  };
}

export function server(over: Partial<ServerInfo> = {}): ServerInfo {
  return {
    versionNum: 170_000,
    version: 'PostgreSQL 17.0',
    database: 'app',
    role: 'migrator',
    isSuperuser: false,
    canCreateSchema: true,
    walLevel: 'replica',
    maxPreparedTransactions: 0,
    fdwInstalled: '1.1',
    fdwAvailable: true,
    fdwUsage: true,
    largeObjects: 0,
    materializedViews: [],
    ...over,
  };
}

export function database(tables: TableModel[], over: Partial<DatabaseModel> = {}): DatabaseModel {
  return { server: server(), tables, sequences: [], ...over };
}

/** A deep copy, so OLD and NEW can start identical and one of them be changed. */
export function copyTable(t: TableModel, over: Partial<TableModel> = {}): TableModel {
  return { ...structuredClone(t), ...over };
}
