/** Batch records on NEW and the moved-batch markers on OLD (docs/PROTOCOL.md). */
import type { Key } from '../plan/move-sql.js';
import { ident } from '../sql/quote.js';
import type { Queryable } from './queryable.js';

export interface BatchRecord {
  id: string;
  keys: Key[];
  versions: string[];
}

export function batchStore(stateSchema: string) {
  const s = ident(stateSchema);
  return {
    /** Inside the copy's transaction on NEW. */
    async record(db: Queryable, schema: string, table: string, keys: Key[], versions: string[]): Promise<string> {
      const r = await db.query<{ id: string }>(
        `INSERT INTO ${s}.batches (schema_name, table_name, keys, versions, row_count, state)
         VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, 'copied') RETURNING id::text AS id`,
        [schema, table, JSON.stringify(keys), JSON.stringify(versions), keys.length]);
      return r.rows[0]!.id;
    },
    /** Batches copied but not yet known to be moved, oldest first. */
    async open(db: Queryable, schema: string, table: string): Promise<BatchRecord[]> {
      const r = await db.query<{ id: string; keys: Key[]; versions: string[] }>(
        `SELECT id::text AS id, keys, versions FROM ${s}.batches
          WHERE schema_name = $1 AND table_name = $2 AND state = 'copied' ORDER BY id`, [schema, table]);
      return r.rows;
    },
    async markMoved(db: Queryable, id: string): Promise<void> {
      // The key lists are only needed to repair an unfinished batch; a moved batch keeps its count.
      await db.query(`UPDATE ${s}.batches SET state = 'moved', moved_at = now(), keys = '[]', versions = '[]' WHERE id = $1::int8`, [id]);
    },
    /** On OLD, in the same transaction as the delete. */
    async markDeletedOnOld(oldDb: Queryable, id: string): Promise<void> {
      await oldDb.query(`INSERT INTO ${s}.moved_batches (batch_id) VALUES ($1::int8)`, [id]);
    },
    async deletedOnOld(oldDb: Queryable, id: string): Promise<boolean> {
      const r = await oldDb.query(`SELECT 1 FROM ${s}.moved_batches WHERE batch_id = $1::int8`, [id]);
      return r.rows.length > 0;
    },
    async movedRows(db: Queryable, schema: string, table: string): Promise<number> {
      const r = await db.query<{ n: string }>(`SELECT coalesce(sum(row_count), 0)::text AS n FROM ${s}.batches WHERE schema_name = $1 AND table_name = $2 AND state = 'moved'`, [schema, table]);
      return Number(r.rows[0]!.n);
    },
  };
}

export type BatchStore = ReturnType<typeof batchStore>;
