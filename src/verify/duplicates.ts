/**
 * Keys held both by OLD's table and by NEW's own table: a unique index covers NEW's table alone,
 * so an application insert of a key whose row is still on OLD makes a duplicate. OLD's keys are
 * read a page at a time in key order and looked up in NEW's table by equality (its primary key
 * index), so neither table is read into memory and the two servers need not sort alike.
 */
import type { Queryable } from '../sql/queryable.js';
import { keyOfRow, keyPageQuery, keysPresentQuery, type KeyText, type KeyedTable } from './key-sql.js';

/** Keys checked per round trip. */
export const KEY_PAGE = 5000;
/** Duplicates kept for the report (and re-checked); beyond it they are only counted. */
const KEPT = 1000;

export interface Duplicates {
  /** Keys on both sides, the first few; `total` counts all. */
  keys: KeyText[];
  total: number;
  /** Keys on both sides because a migrate batch holds them (copied, not yet deleted on OLD). */
  inFlight: number;
}

async function present(db: Queryable, t: KeyedTable, keys: readonly KeyText[]): Promise<KeyText[]> {
  if (!keys.length) return [];
  const r = await db.query<Record<string, string>>(keysPresentQuery(t), [JSON.stringify(keys)]);
  return r.rows.map((row) => keyOfRow(row, t.key.length));
}

/**
 * Walks OLD's keys; `inFlightKeys` (read after the walk) are the keys of batches migrate has
 * copied and not finished, which are on both sides by design. Candidates are re-checked on both
 * sides afterwards, so a batch that finished during the walk is not reported.
 */
export async function findDuplicates(
  oldDb: Queryable,
  newDb: Queryable,
  t: KeyedTable,
  inFlightKeys: () => Promise<ReadonlySet<string>>,
): Promise<Duplicates> {
  const candidates: KeyText[] = [];
  let total = 0;
  let after: KeyText | null = null;
  for (;;) {
    const q = keyPageQuery(t, after);
    const page = (await oldDb.query<Record<string, string>>(q.sql, [KEY_PAGE, ...q.params])).rows.map((row) =>
      keyOfRow(row, t.key.length),
    );
    if (!page.length) break;
    const both = await present(newDb, t, page);
    total += both.length;
    candidates.push(...both.slice(0, Math.max(0, KEPT - candidates.length)));
    after = page[page.length - 1]!;
    if (page.length < KEY_PAGE) break;
  }
  if (!total) return { keys: [], total: 0, inFlight: 0 };
  const flying = await inFlightKeys();
  const inFlight = candidates.filter((k) => flying.has(JSON.stringify(k))).length;
  const rest = candidates.filter((k) => !flying.has(JSON.stringify(k)));
  const stillOld = await present(oldDb, t, rest);
  const stillBoth = new Set((await present(newDb, t, stillOld)).map((k) => JSON.stringify(k)));
  const keys = rest.filter((k) => stillBoth.has(JSON.stringify(k)));
  // Beyond the kept candidates nothing was re-checked: count them as found.
  return { keys, total: keys.length + (total - candidates.length), inFlight };
}
