/** What fdwmig knows about one database: the result of introspection, plain data. */

/** `schema.name` with both parts raw (unquoted); the key used across models. */
export type QualifiedName = string;

export interface ColumnModel {
  name: string;
  /** format_type() read with search_path = pg_catalog, so user types are schema-qualified. */
  type: string;
  notNull: boolean;
  /** 's' for GENERATED ALWAYS AS (...) STORED, '' otherwise. */
  generated: '' | 's';
  /** 'a' ALWAYS, 'd' BY DEFAULT, '' none. */
  identity: '' | 'a' | 'd';
  defaultExpr: string | null;
  collation: string | null;
}

export type FkAction = 'a' | 'r' | 'c' | 'n' | 'd'; // no action, restrict, cascade, set null, set default

export interface ForeignKeyModel {
  name: string;
  columns: string[];
  refTable: QualifiedName;
  /** The referenced table's schema and name, unambiguous (a name may hold a dot). */
  refSchema: string;
  refName: string;
  refColumns: string[];
  onDelete: FkAction;
  onUpdate: FkAction;
  deferrable: boolean;
  validated: boolean;
  /** pg_get_constraintdef(), enough to re-create it. */
  definition: string;
}

export interface CheckModel {
  name: string;
  definition: string;
  noInherit: boolean;
}

export interface TriggerModel {
  name: string;
  /** 'O' origin (enabled), 'D' disabled, 'R' replica, 'A' always. */
  enabled: string;
  /** The events it fires on: INSERT, DELETE, UPDATE, TRUNCATE. */
  events: string[];
  definition: string;
}

export interface TableModel {
  schema: string;
  name: string;
  oid: number;
  kind: 'table' | 'partitioned';
  unlogged: boolean;
  isPartition: boolean;
  /** Inheritance parents (a partition's parent included), qualified. */
  parents: QualifiedName[];
  childCount: number;
  rowSecurity: boolean;
  estimatedRows: number;
  columns: ColumnModel[];
  primaryKey: string[] | null;
  uniqueKeys: string[][];
  foreignKeys: ForeignKeyModel[];
  checks: CheckModel[];
  triggers: TriggerModel[];
}

export interface SequenceModel {
  schema: string;
  name: string;
  increment: number;
  minValue: string;
  maxValue: string;
  /** null when never used or not readable by the role. */
  lastValue: string | null;
  owner: { schema: string; table: string; column: string } | null;
  isIdentity: boolean;
}

export interface ServerInfo {
  versionNum: number;
  version: string;
  database: string;
  role: string;
  isSuperuser: boolean;
  canCreateSchema: boolean;
  walLevel: string;
  maxPreparedTransactions: number;
  fdwInstalled: string | null;
  fdwAvailable: boolean;
  /** The role may use the postgres_fdw wrapper (create servers). */
  fdwUsage: boolean;
  largeObjects: number;
  materializedViews: string[];
}

export interface DatabaseModel {
  server: ServerInfo;
  tables: TableModel[];
  sequences: SequenceModel[];
}

/** The map key of a table. */
export function qualifiedName(t: { schema: string; name: string }): QualifiedName {
  return `${t.schema}.${t.name}`;
}
