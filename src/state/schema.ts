/**
 * fdwmig's state on NEW: one small schema that records what was done, so every command is
 * idempotent, a re-run continues, and `status` can report. It never holds a password.
 * Its DDL; src/state/records.ts and src/state/batches.ts read and write its rows. Nothing
 * outside src/state/ names a state table (a lint rule, eslint.config.js).
 */
import { ident } from '../sql/quote.js';

/** DDL that creates the state schema and tables if missing. */
export function stateSchemaDdl(schema: string): string[] {
  const s = ident(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.migration (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  old_identity text NOT NULL,
  old_display text NOT NULL,
  server_name text NOT NULL,
  created_extension boolean NOT NULL DEFAULT false,
  fdwmig_version text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  init_completed_at timestamptz
)`,
    `CREATE TABLE IF NOT EXISTS ${s}.tables (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  remote_name text NOT NULL,
  phase text NOT NULL DEFAULT 'attached',
  rows_moved bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (schema_name, table_name)
)`,
    `CREATE TABLE IF NOT EXISTS ${s}.foreign_keys (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  constraint_name text NOT NULL,
  definition text NOT NULL,
  ref_schema text NOT NULL,
  ref_table text NOT NULL,
  dropped_at timestamptz NOT NULL DEFAULT now(),
  restored_at timestamptz,
  PRIMARY KEY (schema_name, table_name, constraint_name)
)`,
    // One row per batch being moved; see docs/PROTOCOL.md. The key range, OLD's read snapshot and
    // the copied keys are kept until the batch is moved, so a re-run can finish a copied batch.
    `CREATE TABLE IF NOT EXISTS ${s}.batches (
  id bigserial PRIMARY KEY,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  after_key jsonb,
  last_key jsonb NOT NULL,
  snapshot text NOT NULL,
  keys jsonb NOT NULL DEFAULT '[]',
  key_list text[],
  row_count int NOT NULL,
  state text NOT NULL CHECK (state IN ('copied', 'moved')),
  copied_at timestamptz NOT NULL DEFAULT now(),
  moved_at timestamptz
)`,
    `CREATE INDEX IF NOT EXISTS batches_open ON ${s}.batches (schema_name, table_name) WHERE state = 'copied'`,
    ...stateUpgradeDdl(schema),
  ];
}

/**
 * Brings a state schema made by an earlier fdwmig up to this one's; idempotent, run by migrate.
 * Batch keys moved from jsonb (`keys`, still read for batches an earlier version recorded) to
 * `key_list` text[][], stored uncompressed: building and storing it costs a quarter as much.
 * `key_span` (lowest, highest) stands for a one-column integer key's batch of consecutive keys:
 * every integer between the two, without a list at all.
 */
export function stateUpgradeDdl(schema: string): string[] {
  const s = ident(schema);
  return [
    `ALTER TABLE ${s}.batches ADD COLUMN IF NOT EXISTS key_list text[]`,
    `ALTER TABLE ${s}.batches ALTER COLUMN keys SET DEFAULT '[]'`,
    `ALTER TABLE ${s}.batches ALTER COLUMN key_list SET STORAGE EXTERNAL`,
    `ALTER TABLE ${s}.batches ADD COLUMN IF NOT EXISTS key_span text[]`,
  ];
}

/**
 * A batch's copied keys as jsonb, whichever column holds them (see stateUpgradeDdl); also on a
 * state schema not yet upgraded, which has no key_list (verify reads, never alters). The
 * table must be aliased `b`.
 */
export const BATCH_KEYS_JSON = `CASE WHEN jsonb_typeof(to_jsonb(b) -> 'key_span') = 'array'
  THEN (SELECT coalesce(pg_catalog.jsonb_agg(g::text ORDER BY g), '[]'::jsonb)
          FROM pg_catalog.generate_series((to_jsonb(b) -> 'key_span' ->> 0)::numeric, (to_jsonb(b) -> 'key_span' ->> 1)::numeric) g)
  WHEN jsonb_typeof(to_jsonb(b) -> 'key_list') = 'array' THEN to_jsonb(b) -> 'key_list' ELSE b.keys END`;

/**
 * A batch's keys as BATCH_KEYS_JSON reads them, each as a Key: a one-column key's list is
 * stored flat (one string per key, move-sql.ts recordBatch), every other as one array per key.
 */
export function keysFromStored(stored: readonly (readonly string[] | string)[]): string[][] {
  return stored.map((k) => (typeof k === 'string' ? [k] : [...k]));
}

/**
 * OLD's side of the state: a marker per batch whose delete committed on OLD, written in the
 * same transaction as that delete, so a re-run can tell fdwmig's delete from an application's.
 */
export function oldMarkerDdl(schema: string): string[] {
  const s = ident(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.moved_batches (batch_id bigint PRIMARY KEY, moved_at timestamptz NOT NULL DEFAULT now())`,
  ];
}

/**
 * The tables stateSchemaDdl() and the migrate code create in the state schema. Dropped by name,
 * then the schema without CASCADE: anything else someone put there stops the cleanup instead of
 * vanishing with it.
 */
export const STATE_TABLES = ['batches', 'foreign_keys', 'tables', 'migration'] as const;
/** OLD's marker table (oldMarkerDdl()). */
export const OLD_MARKER_TABLE = 'moved_batches';

/** Drops those of STATE_TABLES that exist (`present`), then the state schema. */
export function dropStateSchemaSql(schema: string, present: readonly string[]): string[] {
  const s = ident(schema);
  const tables = STATE_TABLES.filter((t) => present.includes(t));
  return [
    ...(tables.length ? [`DROP TABLE IF EXISTS ${tables.map((t) => `${s}.${ident(t)}`).join(', ')}`] : []),
    `DROP SCHEMA IF EXISTS ${s}`,
  ];
}

/** Drops OLD's marker table (if `tableExists`) and its schema. */
export function dropOldMarkerSql(schema: string, tableExists: boolean): string[] {
  const s = ident(schema);
  return [
    ...(tableExists ? [`DROP TABLE IF EXISTS ${s}.${ident(OLD_MARKER_TABLE)}`] : []),
    `DROP SCHEMA IF EXISTS ${s}`,
  ];
}
