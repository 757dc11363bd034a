/** Batch records on NEW and the moved-batch markers on OLD (docs/PROTOCOL.md). */
import { ident } from '../sql/quote.js';
import type { Queryable } from '../sql/queryable.js';
import { BATCH_KEYS_JSON, keysFromStored, OLD_MARKER_TABLE } from './schema.js';

/** A row's key: its key columns' values as text, in key order. */
export type Key = readonly string[];

/** A copied batch: the keys in (after, last] that OLD's snapshot `snapshot` held. */
export interface BatchRecord {
  id: string;
  after: Key | null;
  last: Key;
  snapshot: string;
  rowCount: number;
}

export function batchStore(stateSchema: string) {
  const s = ident(stateSchema);
  return {
    /** Batches copied but not yet known to be moved, oldest first. */
    async open(db: Queryable, schema: string, table: string): Promise<BatchRecord[]> {
      const r = await db.query<{
        id: string;
        after_key: Key | null;
        last_key: Key;
        snapshot: string;
        row_count: number;
      }>(
        `SELECT id::text AS id, after_key, last_key, snapshot, row_count FROM ${s}.batches
          WHERE schema_name = $1 AND table_name = $2 AND state = 'copied' ORDER BY id`,
        [schema, table],
      );
      return r.rows.map((x) => ({
        id: x.id,
        after: x.after_key,
        last: x.last_key,
        snapshot: x.snapshot,
        rowCount: x.row_count,
      }));
    },
    /** The batch's copied keys, for the slow path only. */
    async keys(db: Queryable, id: string): Promise<Key[]> {
      return keysFromStored(
        (
          await db.query<{ keys: (Key | string)[] }>(
            `SELECT ${BATCH_KEYS_JSON} AS keys FROM ${s}.batches b WHERE id = $1::int8`,
            [id],
          )
        ).rows[0]!.keys,
      );
    },
    async markMoved(db: Queryable, id: string): Promise<void> {
      // The key list is only needed to finish an interrupted batch; a moved batch keeps its count.
      await db.query(
        `UPDATE ${s}.batches SET state = 'moved', moved_at = now(), keys = '[]', key_list = NULL, key_span = NULL WHERE id = $1::int8`,
        [id],
      );
    },
    /** On OLD, in the same transaction as the delete. */
    async markDeletedOnOld(oldDb: Queryable, id: string): Promise<void> {
      await oldDb.query(`INSERT INTO ${s}.moved_batches (batch_id) VALUES ($1::int8)`, [id]);
    },
    async deletedOnOld(oldDb: Queryable, id: string): Promise<boolean> {
      const r = await oldDb.query(`SELECT 1 FROM ${s}.moved_batches WHERE batch_id = $1::int8`, [id]);
      return r.rows.length > 0;
    },
  };
}

export type BatchStore = ReturnType<typeof batchStore>;

/**
 * The head of the statement that records a batch (move-sql.ts builds the rest: a SELECT of the
 * values in this column order from the rows the copy wrote).
 */
export function recordBatchHead(stateSchema: string): string {
  return `INSERT INTO ${ident(stateSchema)}.batches (schema_name, table_name, after_key, last_key, snapshot, keys, key_list, key_span, row_count, state)`;
}

/** On OLD, in the check-and-delete statement: the marker for batch `batchParam` where `condition` holds. */
export function markDeletedOnOldSql(stateSchema: string, batchParam: string, condition: string): string {
  return `INSERT INTO ${ident(stateSchema)}.moved_batches (batch_id) SELECT ${batchParam} WHERE ${condition}`;
}

async function batchesExist(db: Queryable, stateSchema: string): Promise<boolean> {
  return (
    await db.query<{ ok: boolean }>('SELECT pg_catalog.to_regclass($1) IS NOT NULL AS ok', [
      `${ident(stateSchema)}.batches`,
    ])
  ).rows[0]!.ok;
}

/**
 * Per table (schema.name): rows in moved batches, batches copied but not finished, and the rows
 * those copied (on both sides until migrate finishes them); empty without a batches table.
 */
export async function batchTotals(
  db: Queryable,
  stateSchema: string,
): Promise<Map<string, { moved: number; open: number; openRows: number }>> {
  if (!(await batchesExist(db, stateSchema))) return new Map();
  const r = await db.query<{ schema_name: string; table_name: string; moved: string; open: string; open_rows: string }>(
    `SELECT schema_name, table_name, coalesce(sum(row_count) FILTER (WHERE state = 'moved'), 0)::text AS moved,
            count(*) FILTER (WHERE state = 'copied')::text AS open,
            coalesce(sum(row_count) FILTER (WHERE state = 'copied'), 0)::text AS open_rows
       FROM ${ident(stateSchema)}.batches GROUP BY 1, 2`,
  );
  return new Map(
    r.rows.map((x) => [
      `${x.schema_name}.${x.table_name}`,
      { moved: Number(x.moved), open: Number(x.open), openRows: Number(x.open_rows) },
    ]),
  );
}

/** How many batches are copied and not finished, over all tables; 0 without a batches table. */
export async function openBatchCount(db: Queryable, stateSchema: string): Promise<number> {
  if (!(await batchesExist(db, stateSchema))) return 0;
  return Number(
    (
      await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${ident(stateSchema)}.batches WHERE state = 'copied'`,
      )
    ).rows[0]!.n,
  );
}

/** The keys of a table's batches copied and not finished. */
export async function copiedBatchKeys(
  db: Queryable,
  stateSchema: string,
  table: { schema: string; name: string },
): Promise<string[][]> {
  const r = await db.query<{ keys: (string[] | string)[] }>(
    `SELECT ${BATCH_KEYS_JSON} AS keys FROM ${ident(stateSchema)}.batches b WHERE state = 'copied' AND schema_name = $1 AND table_name = $2`,
    [table.schema, table.name],
  );
  return r.rows.flatMap((b) => keysFromStored(b.keys));
}

/** OLD's marker schema and table, as they exist now (for cleanup). */
export async function readOldMarker(
  oldDb: Queryable,
  stateSchema: string,
): Promise<{ schemaExists: boolean; tableExists: boolean }> {
  const r = (
    await oldDb.query<{ schema_exists: boolean; table_exists: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) AS schema_exists,
              EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r') AS table_exists`,
      [stateSchema, OLD_MARKER_TABLE],
    )
  ).rows[0]!;
  return { schemaExists: r.schema_exists, tableExists: r.table_exists };
}
