/**
 * The state schema's records on NEW: the migration (which OLD), the tables init-new serves, the
 * FKs it dropped. Read without assuming any of it exists: the commands that inspect or undo a
 * migration (verify, status, cleanup) run at every phase, including after an interrupted
 * init-new or cleanup. The statements that write them are built here too, for the planners.
 * Batch records are in batches.ts.
 */
import { ident, literal } from '../sql/quote.js';
import type { Queryable } from '../sql/queryable.js';

export interface MigrationRecord {
  oldIdentity: string;
  oldDisplay: string;
  serverName: string;
  createdExtension: boolean;
  initCompletedAt: Date | null;
}

export interface RecordedTable {
  schema: string;
  name: string;
  remoteName: string;
}

/** An FK of NEW that init-new dropped, and whether finalize put it back. */
export interface RecordedFk {
  schema: string;
  table: string;
  constraint: string;
  definition: string;
  refSchema: string;
  refTable: string;
  restoredAt: Date | null;
  /** The constraint exists on NEW now (NOT VALID counts). */
  present: boolean;
  validated: boolean;
}

export interface RecordedState {
  stateSchemaExists: boolean;
  record: MigrationRecord | null;
  tables: RecordedTable[];
  foreignKeys: RecordedFk[];
}

async function existing(db: Queryable, schema: string, names: readonly string[]): Promise<Set<string>> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]) AND c.relkind = 'r'`,
    [schema, [...names]],
  );
  return new Set(r.rows.map((x) => x.name));
}

/** Reads the state schema; every part that is missing reads as empty. */
export async function readRecordedState(db: Queryable, stateSchema: string): Promise<RecordedState> {
  const schemaExists = (
    await db.query<{ ok: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) AS ok', [
      stateSchema,
    ])
  ).rows[0]!.ok;
  if (!schemaExists) return { stateSchemaExists: false, record: null, tables: [], foreignKeys: [] };
  const has = await existing(db, stateSchema, ['migration', 'tables', 'foreign_keys']);
  const record = has.has('migration') ? await readMigration(db, stateSchema) : null;
  const tables = has.has('tables') ? await readTables(db, stateSchema) : [];
  const foreignKeys = has.has('foreign_keys') ? await readRecordedFks(db, stateSchema) : [];
  return { stateSchemaExists: true, record, tables, foreignKeys };
}

async function readRecordedFks(db: Queryable, stateSchema: string): Promise<RecordedFk[]> {
  const r = await db.query<{
    schema_name: string;
    table_name: string;
    constraint_name: string;
    definition: string;
    ref_schema: string;
    ref_table: string;
    restored_at: Date | null;
    present: boolean;
    validated: boolean;
  }>(
    `SELECT f.schema_name, f.table_name, f.constraint_name, f.definition, f.ref_schema, f.ref_table, f.restored_at,
            c.oid IS NOT NULL AS present, coalesce(c.convalidated, false) AS validated
       FROM ${ident(stateSchema)}.foreign_keys f
       LEFT JOIN pg_catalog.pg_constraint c ON c.conname = f.constraint_name AND c.contype = 'f'
        AND c.conrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(f.schema_name) || '.' || pg_catalog.quote_ident(f.table_name))
      ORDER BY 1, 2, 3`,
  );
  return r.rows.map((x) => ({
    schema: x.schema_name,
    table: x.table_name,
    constraint: x.constraint_name,
    definition: x.definition,
    refSchema: x.ref_schema,
    refTable: x.ref_table,
    restoredAt: x.restored_at,
    present: x.present,
    validated: x.validated,
  }));
}

async function readMigration(db: Queryable, stateSchema: string): Promise<MigrationRecord | null> {
  const r = (
    await db.query<{
      old_identity: string;
      old_display: string;
      server_name: string;
      created_extension: boolean;
      init_completed_at: Date | null;
    }>(
      `SELECT old_identity, old_display, server_name, created_extension, init_completed_at FROM ${ident(stateSchema)}.migration`,
    )
  ).rows[0];
  return r
    ? {
        oldIdentity: r.old_identity,
        oldDisplay: r.old_display,
        serverName: r.server_name,
        createdExtension: r.created_extension,
        initCompletedAt: r.init_completed_at,
      }
    : null;
}

/** The migration record, or null when init-new has not recorded one (or the state schema is missing). */
export async function readMigrationRecord(db: Queryable, stateSchema: string): Promise<MigrationRecord | null> {
  const has = await existing(db, stateSchema, ['migration']);
  return has.has('migration') ? readMigration(db, stateSchema) : null;
}

/** The tables init-new set up, by schema and name. */
export async function readTables(db: Queryable, stateSchema: string): Promise<RecordedTable[]> {
  const r = await db.query<{ schema_name: string; table_name: string; remote_name: string }>(
    `SELECT schema_name, table_name, remote_name FROM ${ident(stateSchema)}.tables ORDER BY 1, 2`,
  );
  return r.rows.map((x) => ({ schema: x.schema_name, name: x.table_name, remoteName: x.remote_name }));
}

/**
 * init-new's record of OLD; $1..$5: OLD's identity and display, the server name, whether
 * init-new created postgres_fdw, fdwmig's version.
 */
export function recordMigrationSql(stateSchema: string): string {
  return `INSERT INTO ${ident(stateSchema)}.migration (old_identity, old_display, server_name, created_extension, fdwmig_version)
  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`;
}

/** init-new's last step: the record says it completed. */
export function markInitCompletedSql(stateSchema: string): string {
  return `UPDATE ${ident(stateSchema)}.migration SET init_completed_at = COALESCE(init_completed_at, now())`;
}

/** A table init-new serves through its foreign table `remoteName`. */
export function recordTableSql(stateSchema: string, schema: string, table: string, remoteName: string): string {
  return `INSERT INTO ${ident(stateSchema)}.tables (schema_name, table_name, remote_name) VALUES (${literal(schema)}, ${literal(table)}, ${literal(remoteName)}) ON CONFLICT DO NOTHING`;
}

/** Where init-new keeps the FKs it drops, as a person reads it (schema.table). */
export function fkRecordTable(stateSchema: string): string {
  return `${stateSchema}.foreign_keys`;
}

/** An FK init-new drops on NEW, kept so that finalize can put it back. */
export function recordDroppedFkSql(
  stateSchema: string,
  fk: { schema: string; table: string; name: string; definition: string; refSchema: string; refTable: string },
): string {
  return `INSERT INTO ${ident(stateSchema)}.foreign_keys (schema_name, table_name, constraint_name, definition, ref_schema, ref_table) VALUES (${literal(fk.schema)}, ${literal(fk.table)}, ${literal(fk.name)}, ${literal(fk.definition)}, ${literal(fk.refSchema)}, ${literal(fk.refTable)}) ON CONFLICT DO NOTHING`;
}

/** finalize: the FK is back and validated. */
export function markFkRestoredSql(
  stateSchema: string,
  fk: { schema: string; table: string; constraint: string },
): string {
  return `UPDATE ${ident(stateSchema)}.foreign_keys SET restored_at = now() WHERE schema_name = ${literal(fk.schema)} AND table_name = ${literal(fk.table)} AND constraint_name = ${literal(fk.constraint)}`;
}
