/**
 * What fdwmig recorded in its state schema on NEW, read without assuming any of it exists: the
 * commands that inspect or undo a migration (verify, status, cleanup) run at every phase,
 * including after an interrupted init-new or cleanup.
 */
import { StateError } from '../errors.js';
import type { Queryable } from '../sql/queryable.js';
import { countRows } from '../exec/count-rows.js';
import { readIdentity } from '../introspect/read-new-state.js';
import { ident, qualified } from '../sql/quote.js';

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
  const s = ident(stateSchema);
  let record: MigrationRecord | null = null;
  if (has.has('migration')) {
    const r = (
      await db.query<{
        old_identity: string;
        old_display: string;
        server_name: string;
        created_extension: boolean;
        init_completed_at: Date | null;
      }>(`SELECT old_identity, old_display, server_name, created_extension, init_completed_at FROM ${s}.migration`)
    ).rows[0];
    if (r)
      record = {
        oldIdentity: r.old_identity,
        oldDisplay: r.old_display,
        serverName: r.server_name,
        createdExtension: r.created_extension,
        initCompletedAt: r.init_completed_at,
      };
  }
  const tables = has.has('tables')
    ? (
        await db.query<{ schema_name: string; table_name: string; remote_name: string }>(
          `SELECT schema_name, table_name, remote_name FROM ${s}.tables ORDER BY 1, 2`,
        )
      ).rows.map((x) => ({ schema: x.schema_name, name: x.table_name, remoteName: x.remote_name }))
    : [];
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

/** Rows per table on OLD, counted ONLY (never an OLD child's); a table gone from OLD counts 0. */
export async function countRowsOnOld(
  oldDb: Queryable,
  tables: readonly { schema: string; name: string }[],
): Promise<Map<string, number>> {
  const exists = (
    await oldDb.query<{ ok: boolean }>(
      'SELECT pg_catalog.to_regclass(x) IS NOT NULL AS ok FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i',
      [tables.map((t) => qualified(t.schema, t.name))],
    )
  ).rows.map((r) => r.ok);
  const present = tables.filter((_, i) => exists[i]);
  const n = await countRows(oldDb, present);
  const counts = new Map(tables.map((t) => [`${t.schema}.${t.name}`, 0]));
  present.forEach((t, i) => counts.set(`${t.schema}.${t.name}`, n[i]!));
  return counts;
}

/** Refuses an OLD other than the one init-new recorded (no record: nothing to compare). */
export async function requireRecordedOld(
  oldDb: Queryable,
  record: MigrationRecord | null,
  consequence = '',
): Promise<void> {
  if (!record) return;
  const identity = await readIdentity(oldDb);
  if (identity === record.oldIdentity) return;
  throw new StateError(
    `NEW was set up for another OLD (${record.oldDisplay}, ${record.oldIdentity}), not this one (${identity})${consequence}`,
    {
      hint: 'check --old: it must name the server init-new was run against',
    },
  );
}
