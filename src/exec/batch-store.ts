/** Batch records on NEW and the moved-batch markers on OLD (docs/PROTOCOL.md). */
import type { Key } from '../plan/move-sql.js';
import { BATCH_KEYS_JSON, keysFromStored } from '../plan/state-schema.js';
import { ident } from '../sql/quote.js';
import type { Queryable } from '../sql/queryable.js';

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
