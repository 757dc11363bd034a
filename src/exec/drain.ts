/**
 * Step 3 of a batch (docs/PROTOCOL.md): wait until no application session on NEW holds a
 * snapshot that may predate a moment (the copy's commit).
 */
import type { Queryable } from './queryable.js';

export interface Holdout {
  pid: number;
  user: string;
  state: string;
  xactStart: string;
  query: string;
}

const HOLDOUTS = `SELECT pid, usename::text AS user, state, xact_start::text AS xact_start, left(query, 120) AS query
  FROM pg_catalog.pg_stat_activity
 WHERE datname = current_database()
   AND backend_type = 'client backend'
   AND pid <> ALL ($1::int[])
   AND backend_xmin IS NOT NULL
   AND xact_start <= $2::timestamptz`;

/** Sessions whose snapshot may be older than `since`; fdwmig's own sessions excluded. */
export async function findHoldouts(db: Queryable, since: string, ownPids: readonly number[]): Promise<Holdout[]> {
  const r = await db.query<{ pid: number; user: string; state: string; xact_start: string; query: string }>(HOLDOUTS, [[...ownPids], since]);
  return r.rows.map((x) => ({ pid: x.pid, user: x.user, state: x.state, xactStart: x.xact_start, query: x.query }));
}

/**
 * Polls until no holdout remains, or returns the holdouts still there after timeoutMs. The poll
 * interval grows from 2 ms, so a quiet server costs one query and a busy one little.
 */
export async function waitForDrain(
  db: Queryable, since: string, ownPids: readonly number[], timeoutMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<Holdout[]> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    const holdouts = await findHoldouts(db, since, ownPids);
    if (holdouts.length === 0 || Date.now() >= deadline) return holdouts;
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}
