import type pg from 'pg';

/** Polls until `sql` (on db) returns a row, or fails after 20 s naming what it waited for. */
export async function until(db: pg.Client, sql: string, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await db.query(sql)).rows.length === 0) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
