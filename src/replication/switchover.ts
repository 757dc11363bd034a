/**
 * `replicate switchover`: wait until NEW is nearly caught up; refuse the application's writes on
 * OLD; wait until NEW has confirmed every byte OLD wrote before that; sync sequences (the shared
 * module); refresh NEW's materialized views; drop the subscription and its slot; verify.
 *
 * Before writes are refused nothing is changed, and any failure says so. After, a failure says
 * exactly how to re-allow writes on OLD (`--rollback` does it). How long writes were refused is
 * measured from the first refusing statement until NEW is ready.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { withBoth } from '../exec/connections.js';
import { syncSequences, type SequenceSyncLine } from '../sequences/sync-sequences.js';
import { FdwmigError, PreflightError, UsageError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import { loadSql } from '../introspect/load-sql.js';
import type { ReplicationDeps, VerifyOutcome } from './deps.js';
import { dropSlots, dropSubscription, findSubscription } from './drop-objects.js';
import {
  planConfirmPromptly,
  planRefreshViews,
  replicationNames,
  type PublishedTable,
  type ReplicationNames,
} from './plan-replication.js';
import { allowWrites, describeRollback, planRefuseWrites, refuseWrites, type WriteStopSpec } from './stop-writes.js';
import { currentWalLsn, waitForLsn, waitForSmallLag } from './wait-lag.js';
import { qualifiedName } from '../introspect/model.js';

export interface SwitchoverOptions {
  /** Writes are refused only once the lag is at most this many bytes. */
  maxLagBytes: number;
  /** Bound on each wait (for a small lag, then for lag 0). */
  timeoutMs: number;
  beforeSql: string | null;
  rollbackSql: string | null;
}

export interface SwitchoverResult {
  applied: boolean;
  /** --dry-run: what would be run on OLD to refuse writes. */
  planText: string;
  /** From the first write-refusing statement until NEW was ready (subscription dropped). */
  writesRefusedMs: number;
  /** Each step inside the write pause, in order, with its duration. */
  timeline: { step: string; ms: number }[];
  sessionsEnded: number;
  /** OLD's WAL position once writes stopped; NEW confirmed everything up to it. */
  targetLsn: string | null;
  sequences: SequenceSyncLine[];
  refreshedViews: string[];
  droppedSlots: string[];
  verify: VerifyOutcome | null;
  verifyMs: number;
}

/** A failure after writes on OLD were refused: the hint says how to re-allow them. */
export class SwitchoverError extends FdwmigError {
  constructor(message: string, hint: string, cause: unknown) {
    super(message, { code: 'SWITCHOVER', exitCode: 1, hint, cause });
  }
}

/** The refusal spec from config and options; one way to stop writes is required. */
export function writeStopSpec(
  config: Config,
  database: string,
  opts: Pick<SwitchoverOptions, 'beforeSql' | 'rollbackSql'>,
): WriteStopSpec {
  return { database, appRoles: config.appRoles, beforeSql: opts.beforeSql, rollbackSql: opts.rollbackSql };
}

function requireWayToStop(config: Config, opts: Pick<SwitchoverOptions, 'beforeSql'>): void {
  if (config.appRoles.length || opts.beforeSql !== null) return;
  throw new UsageError("switchover needs a way to refuse the application's writes on OLD", {
    hint: '--app-roles <roles...> (made read-only, their sessions ended) and/or --before-sql <file> (e.g. REVOKE INSERT, UPDATE, DELETE ...)',
  });
}

async function checkBeforeStop(
  oldDb: pg.Client,
  newDb: pg.Client,
  spec: WriteStopSpec,
  names: ReplicationNames,
): Promise<void> {
  const problems: string[] = [];
  const r = (
    await oldDb.query<{
      missing: string[];
      superuser: boolean;
      createrole: boolean;
      signal: boolean;
      prepared: number;
    }>(
      `SELECT ARRAY(SELECT x FROM unnest($1::text[]) x WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = x)) AS missing,
            r.rolsuper AS superuser, r.rolcreaterole AS createrole, pg_catalog.pg_has_role('pg_signal_backend', 'MEMBER') AS signal,
            (SELECT count(*) FROM pg_catalog.pg_prepared_xacts WHERE database = pg_catalog.current_database())::int AS prepared
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
      [spec.appRoles],
    )
  ).rows[0]!;
  if (r.missing.length) problems.push(`--app-roles: no role ${r.missing.join(', ')} on OLD`);
  if (spec.appRoles.length && !r.superuser && !(r.createrole && r.signal)) {
    problems.push(
      "fdwmig's OLD role needs superuser, or CREATEROLE (ALTER ROLE ... SET) and pg_signal_backend (to end the application's sessions)",
    );
  }
  if (r.prepared)
    problems.push(
      `${r.prepared} prepared transaction(s) on OLD could commit after the switch: COMMIT PREPARED or ROLLBACK PREPARED them first`,
    );
  if ((await findSubscription(newDb, names)) === null)
    problems.push(`no subscription ${names.subscription} on NEW: run fdwmig replicate start first`);
  if (problems.length) {
    throw new PreflightError(
      `cannot switch over; nothing was changed:\n${problems.map((p) => `  x ${p}`).join('\n')}`,
      { hint: 'fix each problem, then run switchover again' },
    );
  }
}

async function refreshViews(newDb: pg.Client, config: Config): Promise<string[]> {
  const views = (await newDb.query<PublishedTable>(loadSql('replication/materialized-views'))).rows;
  await runPlan(
    newDb,
    { title: 'refresh materialized views', steps: planRefreshViews(views) },
    { lockTimeoutMs: config.lockTimeoutMs, retryForMs: config.lockRetryMs, retries: config.ddlRetries },
  );
  return views.map((v) => qualifiedName(v));
}

function rollbackHint(spec: WriteStopSpec, subscriptionDropped: boolean): string {
  const after = subscriptionDropped
    ? "NEW no longer follows OLD: once writes are back on OLD, run fdwmig replicate cleanup, empty NEW's tables and replicate start again"
    : 'the subscription still streams, so after the rollback NEW keeps following OLD; fix the cause and run switchover again';
  return [`to let the application write to OLD again:`, ...describeRollback(spec), after].join('\n');
}

/** The work inside the write pause; fills `result` as it goes so a failure can say where it was. */
async function switchInsidePause(
  config: Config,
  opts: SwitchoverOptions,
  deps: ReplicationDeps,
  oldDb: pg.Client,
  newDb: pg.Client,
  spec: WriteStopSpec,
  result: SwitchoverResult,
  state: { dropped: boolean },
): Promise<void> {
  const names = replicationNames(config);
  const ownPid = (await oldDb.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0]!.pid;
  const started = deps.now();
  let last = started;
  const mark = (step: string) => {
    const now = deps.now();
    result.timeline.push({ step, ms: now - last });
    last = now;
  };
  try {
    result.sessionsEnded = await refuseWrites(oldDb, spec, [ownPid], deps.sleep);
    mark("refuse writes and end the application's sessions");
    result.targetLsn = await currentWalLsn(oldDb);
    await waitForLsn(oldDb, names, result.targetLsn, opts.timeoutMs, deps);
    mark(`NEW confirmed OLD's last write (${result.targetLsn})`);
    result.sequences = (await syncSequences({ ...config, dryRun: false }, oldDb, newDb)).lines;
    mark('sync sequences');
    result.refreshedViews = await refreshViews(newDb, config);
    mark('refresh materialized views');
    const subOid = await dropSubscription(newDb, names, config);
    state.dropped = true;
    mark('drop the subscription');
    result.writesRefusedMs = deps.now() - started;
    result.droppedSlots = await dropSlots(oldDb, names, subOid, deps);
  } catch (err) {
    const so = Math.round(deps.now() - started);
    throw new SwitchoverError(
      `switchover failed after writes on OLD were refused (${so} ms ago), so the application cannot write: ${(err as Error).message}`,
      rollbackHint(spec, state.dropped),
      err,
    );
  }
}

/** Runs `replicate switchover`. With dryRun: checks and the write-refusing SQL only. */
export async function runSwitchover(
  config: Config,
  opts: SwitchoverOptions,
  deps: ReplicationDeps,
): Promise<SwitchoverResult> {
  requireWayToStop(config, opts);
  const names = replicationNames(config);
  const result: SwitchoverResult = {
    applied: false,
    planText: '',
    writesRefusedMs: 0,
    timeline: [],
    sessionsEnded: 0,
    targetLsn: null,
    sequences: [],
    refreshedViews: [],
    droppedSlots: [],
    verify: null,
    verifyMs: 0,
  };
  await withBoth(deps, config, async (oldDb, newDb) => {
    const database = (await oldDb.query<{ db: string }>('SELECT pg_catalog.current_database() AS db')).rows[0]!.db;
    const spec = writeStopSpec(config, database, opts);
    // fdwmig's own session must keep writing even when its role is one of the application's.
    await oldDb.query('SET default_transaction_read_only = off');
    await checkBeforeStop(oldDb, newDb, spec, names);
    result.planText = [
      ...(spec.beforeSql !== null ? ['-- your --before-sql file'] : []),
      ...planRefuseWrites(spec).map((s) => `${s.sql[0]};`),
    ].join('\n');
    const status = await waitForSmallLag(
      oldDb,
      newDb,
      names,
      config.dryRun ? Number.MAX_SAFE_INTEGER : opts.maxLagBytes,
      opts.timeoutMs,
      deps,
    );
    deps.log({ level: 'info', message: `replication is ${status.lagBytes} byte(s) behind: refusing writes on OLD` });
    if (config.dryRun) return;
    await runPlan(
      newDb,
      { title: 'confirm promptly', steps: [planConfirmPromptly(names)] },
      { lockTimeoutMs: config.lockTimeoutMs, retryForMs: config.lockRetryMs, retries: config.ddlRetries },
    );
    const state = { dropped: false };
    await switchInsidePause(config, opts, deps, oldDb, newDb, spec, result, state);
    result.applied = true;
    if (!deps.verify) return;
    const v0 = deps.now();
    try {
      result.verify = await deps.verify(config);
    } catch (err) {
      throw new SwitchoverError(
        `verify could not run after the switch: ${(err as Error).message}`,
        rollbackHint(spec, true),
        err,
      );
    }
    result.verifyMs = deps.now() - v0;
    if (!result.verify.ok) {
      throw new SwitchoverError(
        `verify found differences between OLD and NEW after the switch:\n${result.verify.lines.map((l) => `  ${l}`).join('\n')}`,
        rollbackHint(spec, true),
        null,
      );
    }
  });
  return result;
}

/** `switchover --rollback`: re-allow writes on OLD; says whether NEW still follows OLD. */
export async function runSwitchoverRollback(
  config: Config,
  opts: Pick<SwitchoverOptions, 'beforeSql' | 'rollbackSql'>,
  deps: ReplicationDeps,
): Promise<string[]> {
  if (!config.appRoles.length && opts.rollbackSql === null) {
    throw new UsageError('--rollback needs the roles and/or the SQL that re-allow writes', {
      hint: 'pass the same --app-roles as the switchover, and/or --rollback-sql <file>',
    });
  }
  return withBoth(deps, config, async (oldDb, newDb) => {
    const database = (await oldDb.query<{ db: string }>('SELECT pg_catalog.current_database() AS db')).rows[0]!.db;
    const spec = writeStopSpec(config, database, opts);
    await oldDb.query('SET default_transaction_read_only = off');
    await allowWrites(oldDb, spec);
    const following = (await findSubscription(newDb, replicationNames(config))) !== null;
    return [
      `writes on OLD are allowed again${spec.appRoles.length ? ` for ${spec.appRoles.join(', ')}` : ''}${spec.rollbackSql !== null ? ' (and your --rollback-sql ran)' : ''}`,
      following
        ? 'the subscription still streams: NEW keeps following OLD'
        : "NEW no longer follows OLD: run fdwmig replicate cleanup, empty NEW's tables and replicate start again before switching over",
    ];
  });
}
