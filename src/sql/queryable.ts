/**
 * The one shape of database access the commands depend on (pg.Client and pg.PoolClient fit),
 * and the transactions every module opens on it. Connections themselves: src/exec/connections.ts.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * Runs fn in a transaction that `begin` opens (e.g. 'BEGIN ISOLATION LEVEL REPEATABLE READ'):
 * COMMIT when fn returns, ROLLBACK when it throws (fn's error is the one thrown, never the
 * ROLLBACK's: on a connection that broke, that one says less).
 */
export async function withTransaction<T>(db: Queryable, fn: () => Promise<T>, begin = 'BEGIN'): Promise<T> {
  await db.query(begin);
  try {
    const r = await fn();
    await db.query('COMMIT');
    return r;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Runs fn in a transaction that is always rolled back: a probe that must leave nothing behind. */
export async function withRollback<T>(db: Queryable, fn: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    return await fn();
  } finally {
    await db.query('ROLLBACK').catch(() => undefined);
  }
}
