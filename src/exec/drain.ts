/**
 * Step 3 of a batch (docs/PROTOCOL.md): wait until no application session on NEW holds a
 * snapshot that may predate a moment (the copy's commit).
 *
 * A role without pg_read_all_stats (and not the session's own role) sees another role's
 * sessions with backend_type, state and xact_start hidden (NULL), but backend_xmin shown. Such
 * a session counts while its snapshot's xmin is at or before the reference transaction id: every
 * snapshot taken before the copy committed has an xmin at or before the copy's own id. (More
 * cautious than xact_start: an old transaction elsewhere holds every xmin back.)
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Queryable } from '../sql/queryable.js';
import { GUARD_APPLICATION_NAME } from './deadlock-guard.js';

export interface Holdout {
  pid: number;
  user: string;
  state: string;
  xactStart: string;
  query: string;
}

const HOLDOUTS = `SELECT pid, coalesce(usename::text, '?') AS user, coalesce(state, 'details hidden (no pg_read_all_stats)') AS state,
       coalesce(xact_start::text, '?') AS xact_start, left(query, 120) AS query
  FROM pg_catalog.pg_stat_activity
 WHERE datname = current_database()
   AND pid <> ALL ($1::int[])
   AND application_name IS DISTINCT FROM '${GUARD_APPLICATION_NAME}'
   AND backend_xmin IS NOT NULL
   AND CASE WHEN backend_type IS NULL
            THEN usename IS NOT NULL AND pg_catalog.age(backend_xmin) >= pg_catalog.age((($3::int8 % 4294967296)::text)::xid)
            ELSE backend_type = 'client backend' AND xact_start <= $2::timestamptz END`;

/**
 * The moment a drain waits past: NEW's clock after the copy's commit, and a NEW transaction id
 * (64-bit, as text) at or after the copy's own.
 */
export interface DrainPoint {
  at: string;
  xid: string;
}

/** Sessions whose snapshot may be older than `since`; fdwmig's own sessions excluded. */
export async function findHoldouts(db: Queryable, since: DrainPoint, ownPids: readonly number[]): Promise<Holdout[]> {
  const r = await db.query<{ pid: number; user: string; state: string; xact_start: string; query: string }>(HOLDOUTS, [
    [...ownPids],
    since.at,
    since.xid,
  ]);
  return r.rows.map((x) => ({ pid: x.pid, user: x.user, state: x.state, xactStart: x.xact_start, query: x.query }));
}

/**
 * Polls until no holdout remains, or returns the holdouts still there after timeoutMs. The poll
 * interval grows from 2 ms, so a quiet server costs one query and a busy one little.
 */
export async function waitForDrain(
  db: Queryable,
  since: DrainPoint,
  ownPids: readonly number[],
  timeoutMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => delay(ms),
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
