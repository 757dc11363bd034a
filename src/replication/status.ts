/**
 * `replicate status`: each table's sync state (NEW's pg_subscription_rel), the lag in bytes
 * (OLD's current WAL position minus the slot's confirmed flush position) and in time (NEW's
 * pg_stat_subscription). Catalog SQL in sql/replication/, reduced here by a pure function.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { withBoth, type Deps } from '../exec/connections.js';
import { loadSql } from '../introspect/load-sql.js';
import { replicationNames, type ReplicationNames } from './plan-replication.js';

/** pg_subscription_rel.srsubstate, spelled out. */
export const SYNC_STATES: Readonly<Record<string, string>> = {
  i: 'init',
  d: 'copying',
  f: 'copied',
  s: 'syncing',
  r: 'ready',
};

export type ReplicationPhase = 'not-started' | 'incomplete' | 'disabled' | 'copying' | 'streaming';

export interface SlotRow {
  current_lsn: string;
  confirmed_flush_lsn: string | null;
  active: boolean;
  lag_bytes: string | null;
}
export interface SubscriptionRow {
  sub_oid: string;
  enabled: boolean;
  slot_name: string | null;
  worker_pid: number | null;
  received_lsn: string | null;
  latest_end_lsn: string | null;
  last_msg_age_s: number | null;
  latest_end_age_s: number | null;
  tables: [string, string, string][];
}

export interface ReplicationStatus {
  phase: ReplicationPhase;
  /** One sentence for a person, saying what to do next. */
  phaseText: string;
  publicationExists: boolean;
  slot: { active: boolean; currentLsn: string; confirmedFlushLsn: string | null } | null;
  subscription: {
    enabled: boolean;
    workerRunning: boolean;
    receivedLsn: string | null;
    lastMessageAgeS: number | null;
  } | null;
  /** WAL on OLD not yet confirmed by NEW; null without a slot. */
  lagBytes: number | null;
  /** 0 when caught up; else how long ago NEW last confirmed a position to OLD. */
  lagSeconds: number | null;
  tables: { table: string; state: string }[];
}

function describe(phase: ReplicationPhase, s: Omit<ReplicationStatus, 'phase' | 'phaseText'>): string {
  switch (phase) {
    case 'not-started':
      return 'not started: run fdwmig replicate start';
    case 'incomplete':
      return `no subscription on NEW, but ${[s.slot && 'the slot', s.publicationExists && 'the publication'].filter(Boolean).join(' and ')} on OLD (after a switchover, or an interrupted start): fdwmig replicate cleanup removes them`;
    case 'disabled':
      return 'the subscription is disabled: nothing streams (ALTER SUBSCRIPTION ... ENABLE on NEW, or fdwmig replicate cleanup)';
    case 'copying':
      return `copying: ${s.tables.filter((t) => t.state !== 'ready').length} of ${s.tables.length} table(s) not yet in sync`;
    case 'streaming':
      return s.subscription?.workerRunning
        ? `streaming: every table in sync, ${s.lagBytes ?? '?'} byte(s) behind; ready for fdwmig replicate switchover`
        : "streaming, but no apply worker runs on NEW: see NEW's server log (e.g. a row NEW refused)";
  }
}

/** Pure: the status from the raw rows of both servers. */
export function reduceStatus(
  slot: SlotRow | null,
  sub: SubscriptionRow | null,
  publicationExists: boolean,
): ReplicationStatus {
  const tables = (sub?.tables ?? []).map(([schema, name, state]) => ({
    table: `${schema}.${name}`,
    state: SYNC_STATES[state] ?? state,
  }));
  const lagBytes = slot?.lag_bytes == null ? null : Math.max(0, Number(slot.lag_bytes));
  const rest = {
    publicationExists,
    slot: slot
      ? { active: slot.active, currentLsn: slot.current_lsn, confirmedFlushLsn: slot.confirmed_flush_lsn }
      : null,
    subscription: sub
      ? {
          enabled: sub.enabled,
          workerRunning: sub.worker_pid !== null,
          receivedLsn: sub.received_lsn,
          lastMessageAgeS: sub.last_msg_age_s,
        }
      : null,
    lagBytes,
    lagSeconds: lagBytes === null ? null : lagBytes === 0 ? 0 : (sub?.latest_end_age_s ?? null),
    tables,
  };
  const phase: ReplicationPhase = !sub
    ? slot || publicationExists
      ? 'incomplete'
      : 'not-started'
    : !sub.enabled
      ? 'disabled'
      : tables.some((t) => t.state !== 'ready')
        ? 'copying'
        : 'streaming';
  return { phase, phaseText: describe(phase, rest), ...rest };
}

/** Reads the status from open connections (switchover polls it too). */
export async function readReplicationStatus(
  oldDb: pg.Client,
  newDb: pg.Client,
  names: ReplicationNames,
): Promise<ReplicationStatus> {
  const slot = (await oldDb.query<SlotRow>(loadSql('replication/slot'), [names.slot])).rows[0] ?? null;
  const pub = (await oldDb.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [names.publication]))
    .rowCount;
  const sub =
    (await newDb.query<SubscriptionRow>(loadSql('replication/subscription'), [names.subscription])).rows[0] ?? null;
  return reduceStatus(slot, sub, (pub ?? 0) > 0);
}

/** `replicate status`: opens both servers, reads once. The CLI calls it again for a live view. */
export async function runReplicateStatus(config: Config, deps: Deps): Promise<ReplicationStatus> {
  return withBoth(deps, config, (oldDb, newDb) => readReplicationStatus(oldDb, newDb, replicationNames(config)));
}

/** Reads again every intervalMs on the same connections until signal aborts: the live view. */
export async function watchReplicateStatus(
  config: Config,
  deps: Deps & { sleep(ms: number): Promise<void> },
  onStatus: (s: ReplicationStatus) => void,
  signal: AbortSignal,
  intervalMs: number,
): Promise<void> {
  const names = replicationNames(config);
  await withBoth(deps, config, async (oldDb, newDb) => {
    while (!signal.aborted) {
      onStatus(await readReplicationStatus(oldDb, newDb, names));
      await deps.sleep(intervalMs);
    }
  });
}
