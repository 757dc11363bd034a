/**
 * Waiting on replication progress for switchover: first until the lag is small (writes still
 * allowed), then, once writes are refused, until NEW has confirmed every byte OLD wrote before.
 */
import type pg from 'pg';
import { FdwmigError } from '../errors.js';
import type { ReplicationDeps } from './deps.js';
import type { ReplicationNames } from './plan-replication.js';
import { readReplicationStatus, type ReplicationStatus } from './status.js';

type Deps = Pick<ReplicationDeps, 'now' | 'sleep' | 'log'>;

const SMALL_LAG_POLL_MS = 100;
/** Short: every millisecond here is downtime. */
const LSN_POLL_MS = 5;
const REPORT_EVERY_MS = 2_000;

/** Polls until every table is in sync and the lag is at most maxLagBytes; throws on timeout. */
export async function waitForSmallLag(
  oldDb: pg.Client,
  newDb: pg.Client,
  names: ReplicationNames,
  maxLagBytes: number,
  timeoutMs: number,
  deps: Deps,
): Promise<ReplicationStatus> {
  const started = deps.now();
  let reported = started;
  for (;;) {
    const s = await readReplicationStatus(oldDb, newDb, names);
    if (s.phase === 'not-started' || s.phase === 'incomplete' || s.phase === 'disabled') {
      throw new FdwmigError(`cannot switch over: ${s.phaseText}`, {
        code: 'NOT_REPLICATING',
        exitCode: 1,
        hint: 'nothing was changed; see fdwmig replicate status',
      });
    }
    if (s.phase === 'streaming' && s.subscription?.workerRunning && s.lagBytes !== null && s.lagBytes <= maxLagBytes)
      return s;
    const now = deps.now();
    if (now - started > timeoutMs) {
      throw new FdwmigError(`replication did not catch up within ${Math.round(timeoutMs / 1000)} s: ${s.phaseText}`, {
        code: 'LAG_TIMEOUT',
        exitCode: 1,
        hint: 'nothing was changed and the application still writes to OLD; run switchover again at a quieter time, or raise --timeout / --max-lag',
      });
    }
    if (now - reported > REPORT_EVERY_MS) {
      reported = now;
      deps.log({ level: 'info', message: `waiting for replication: ${s.phaseText}` });
    }
    await deps.sleep(SMALL_LAG_POLL_MS);
  }
}

/** OLD's current WAL position, after writes stopped: everything committed before is below it. */
export async function currentWalLsn(oldDb: pg.Client): Promise<string> {
  return (await oldDb.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
}

/** Polls the slot until NEW has confirmed (applied and flushed) everything up to target. */
export async function waitForLsn(
  oldDb: pg.Client,
  names: ReplicationNames,
  target: string,
  timeoutMs: number,
  deps: Deps,
): Promise<void> {
  const started = deps.now();
  for (;;) {
    const r = (
      await oldDb.query<{ done: boolean; behind: string }>(
        `SELECT confirmed_flush_lsn >= $2::pg_lsn AS done, pg_catalog.pg_wal_lsn_diff($2::pg_lsn, confirmed_flush_lsn)::int8::text AS behind
         FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
        [names.slot, target],
      )
    ).rows[0];
    if (!r)
      throw new FdwmigError(`replication slot ${names.slot} disappeared from OLD during switchover`, {
        code: 'NOT_REPLICATING',
        exitCode: 1,
      });
    if (r.done) return;
    if (deps.now() - started > timeoutMs) {
      throw new FdwmigError(
        `NEW did not confirm OLD's last writes within ${Math.round(timeoutMs / 1000)} s (${r.behind} byte(s) behind ${target})`,
        {
          code: 'LAG_TIMEOUT',
          exitCode: 1,
        },
      );
    }
    await deps.sleep(LSN_POLL_MS);
  }
}
