/**
 * migrate: moves every row from OLD into NEW's tables while the application runs, in FK-safe
 * order, tables in parallel (p-limit), resumable after any interruption; then finalize.
 * The protocol and its safety argument: docs/PROTOCOL.md.
 */
import pLimit from 'p-limit';
import type pg from 'pg';
import { AUTO_BATCH, type Config } from '../config/schema.js';
import { selectionError } from '../config/selection.js';
import { ConfigError, FdwmigError, StateError } from '../errors.js';
import { batchStore, type BatchStore } from '../state/batches.js';
import { AppYield } from '../exec/app-activity.js';
import { canUseReplicaRole } from '../exec/mover-session.js';
import { moveTable, type RunPipe } from '../exec/move-table.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { qualifiedName, type TableModel } from '../introspect/model.js';
import { moveKey } from '../plan/move-key.js';
import { binaryCopyEligible } from '../plan/copy-format.js';
import { buildMoveSql } from '../plan/move-sql.js';
import { planMoveOrder } from '../plan/move-order.js';
import { referencedTableOutcome } from '../plan/referencing-outcome.js';
import { triggerHazards, type ReplicaCapability } from '../plan/trigger-hazards.js';
import { oldMarkerDdl, stateUpgradeDdl } from '../state/schema.js';
import { backendPid, closeClients, connectBoth, type Deps } from '../exec/connections.js';
import { DeadlockGuard, type GuardStart } from '../exec/deadlock-guard.js';
import { LostServer, MoverPool, openMover, type Mover } from '../exec/mover-pool.js';
import { runFinalize, type FinalizeResult } from './finalize.js';
import { MIGRATE_LOCK_SQL } from './migrate-lock.js';
import { requireInitialized } from './migration-state.js';

export type TableStatus = 'moved' | 'failed' | 'skipped' | 'not-run' | 'stopped';

export interface TableResult {
  table: string;
  status: TableStatus;
  rows: number;
  seconds: number;
  reason?: string;
}

export interface MigrateEvent {
  kind: 'plan' | 'table-start' | 'batch' | 'table-done';
  table?: string;
  moved?: number;
  total?: number;
  order?: readonly string[];
}

export interface MigrateDeps extends Deps {
  onEvent?: (e: MigrateEvent) => void;
  signal?: AbortSignal;
}

export interface MigrateResult {
  tables: TableResult[];
  seconds: number;
  rows: number;
  finalized: FinalizeResult | null;
  order: readonly string[];
  /** Deadlocks across OLD and NEW that migrate's own guard broke (0 when another guard ran). */
  deadlocksBroken: number;
}

/**
 * migrate's own deadlock guard (src/exec/deadlock-guard.ts) for the time it runs, unless a
 * `fdwmig guard` already watches this NEW database.
 */
async function startGuard(config: Config, deps: MigrateDeps): Promise<DeadlockGuard | null> {
  let started: GuardStart;
  try {
    started = await DeadlockGuard.start(deps, config);
  } catch (err) {
    // No connection left for it, or a role that may not alter the foreign server: the move goes on.
    deps.log({
      level: 'warn',
      message: `guard: not started (${(err as Error).message}); deadlocks across OLD and NEW will not be broken while migrate runs (fdwmig guard runs one on its own)`,
    });
    return null;
  }
  if (started.status === 'running') return started.guard;
  if (started.status === 'busy')
    deps.log({ level: 'info', message: 'guard: another fdwmig guard watches this NEW database; migrate relies on it' });
  else if (started.status === 'unsupported')
    deps.log({
      level: 'warn',
      message: `guard: NEW runs PostgreSQL ${Math.floor(started.newVersion / 10000)}, where deadlocks across OLD and NEW cannot be seen (postgres_fdw names its sessions from 15 on): give the application a lock_timeout or statement_timeout (docs/SUPPORT.md)`,
    });
  return null;
}

function describe(err: unknown): string {
  if (err instanceof FdwmigError) return `${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

export async function runMigrate(config: Config, deps: MigrateDeps): Promise<MigrateResult> {
  const t0 = Date.now();
  // OLD's and NEW's work before the move is independent: side by side, as each pair below.
  const [controlOld, controlNew] = await connectBoth(deps, config);
  try {
    if (!(await controlNew.query<{ ok: boolean }>(MIGRATE_LOCK_SQL)).rows[0]!.ok) {
      throw new StateError('another fdwmig migrate is running against this NEW database', {
        hint: 'wait for it to finish, or stop it (Ctrl-C lets it finish its batch) and re-run',
      });
    }
    const served = await requireInitialized(config, controlOld, controlNew);
    // A typo in --tables would otherwise move nothing and "succeed".
    const unknown = selectionError(served, { tables: config.tables, excludeTables: config.excludeTables }, 'NEW');
    if (unknown.error)
      throw new ConfigError(unknown.error.message.replace('no such table on NEW', 'not a table init-new set up'), {
        hint: unknown.error.hint,
      });
    const wanted = new Set(served.map((t) => qualifiedName(t)));
    const selected = new Set(
      (config.tables?.length ? config.tables : [...wanted]).filter((t) => !(config.excludeTables ?? []).includes(t)),
    );
    // One after the other on each connection (introspection is one transaction, and a refused SET
    // inside it would abort it), the two connections side by side.
    const inspect = async (db: pg.Client) => {
      const model = await introspectDatabase(db, { skipSchemas: [config.stateSchema] });
      return [model, await canUseReplicaRole(db)] as const;
    };
    const [[oldModel, canOld], [newModel, canNew]] = await Promise.all([inspect(controlOld), inspect(controlNew)]);
    const tables = oldModel.tables.filter((t) => wanted.has(qualifiedName(t)) && selected.has(qualifiedName(t)));
    const order = planMoveOrder(tables);
    deps.onEvent?.({ kind: 'plan', order: order.sequence });
    const caps = { old: canOld, new: canNew };
    const newTables = new Map(newModel.tables.map((t) => [qualifiedName(t), t]));
    const moved = new Set(tables.map(qualifiedName));
    const hazards = new Map(
      tables.map((t) => [
        qualifiedName(t),
        triggerHazards(t, newTables.get(qualifiedName(t)), oldModel.tables, moved, order.cycles, caps),
      ]),
    );
    for (const [name, h] of hazards) for (const line of h) deps.log({ level: 'warn', message: `${name}: ${line}` });
    if (config.dryRun)
      return { tables: [], seconds: 0, rows: 0, finalized: null, order: order.sequence, deadlocksBroken: 0 };
    const inTurn = async (db: pg.Client, sqls: readonly string[]) => {
      for (const sql of sqls) await db.query(sql);
    };
    await Promise.all([
      inTurn(controlOld, oldMarkerDdl(config.stateSchema)),
      inTurn(controlNew, stateUpgradeDdl(config.stateSchema)),
    ]);
    const guard = await startGuard(config, deps);
    let results: TableResult[];
    let finalized: FinalizeResult | null;
    let deadlocksBroken = 0;
    try {
      results = await moveAll(config, deps, tables, order.waitsFor, caps, hazards, newTables, controlNew);
      const complete = results.every((r) => r.status === 'moved') && tables.length === served.length;
      finalized =
        complete && config.finalize && !deps.signal?.aborted
          ? await runFinalize(config, controlOld, controlNew, served)
          : null;
    } finally {
      deadlocksBroken = (await guard?.stop())?.cancelled ?? 0;
    }
    return {
      deadlocksBroken,
      tables: results,
      seconds: (Date.now() - t0) / 1000,
      rows: results.reduce((a, r) => a + r.rows, 0),
      finalized,
      order: order.sequence,
    };
  } finally {
    await closeClients(controlNew, controlOld);
  }
}

/** What every table's move in one run shares. */
interface MoveRun {
  config: Config;
  deps: MigrateDeps;
  /** fdwmig's own sessions on NEW: never the application, never a holdout. */
  pids: Set<number>;
  pool: MoverPool;
  /** migrate's --concurrency: a pipe takes a slot. */
  limit: ReturnType<typeof pLimit>;
  store: BatchStore;
  yieldTo: AppYield | undefined;
  hazards: ReadonlyMap<string, readonly string[]>;
  newTables: ReadonlyMap<string, TableModel>;
}

async function moveAll(
  config: Config,
  deps: MigrateDeps,
  tables: TableModel[],
  waitsFor: ReadonlyMap<string, readonly string[]>,
  caps: ReplicaCapability,
  hazards: ReadonlyMap<string, readonly string[]>,
  newTables: ReadonlyMap<string, TableModel>,
  controlNew: pg.Client,
): Promise<TableResult[]> {
  const pids = new Set<number>([backendPid(controlNew)]);
  const yieldTo = config.yieldToApp ? appYield(deps, pids) : undefined;
  // Before the first batch: is the application busy already? (on the control connection, idle now)
  yieldTo?.prime(controlNew);
  const pool = new MoverPool(() => openMover(deps, config, pids, caps));
  const run: MoveRun = {
    config,
    deps,
    pids,
    pool,
    limit: pLimit(config.concurrency),
    store: batchStore(config.stateSchema),
    yieldTo,
    hazards,
    newTables,
  };
  const byName = new Map(tables.map((t) => [qualifiedName(t), t]));
  try {
    return await inFkOrder([...byName.keys()], waitsFor, caps, deps, (name) => moveOneTable(run, byName.get(name)!));
  } finally {
    await pool.closeAll();
  }
}

/** Watches the application's activity on NEW, saying when migrate slows down for it and speeds up again. */
function appYield(deps: MigrateDeps, pids: Set<number>): AppYield {
  return new AppYield({
    ownPids: () => [...pids],
    onChange: (busy, seen) =>
      deps.log({
        level: 'info',
        message: busy
          ? `the application is busy on NEW${seen.length ? ` (sessions such as ${seen.join(', ')})` : ''}; one pipeline at a time, resting between batches (--no-yield-to-app: full speed)`
          : 'the application is quiet on NEW: every pipeline at full speed',
      }),
  });
}

/**
 * Referencing tables first: each table starts once every table that references it has ended,
 * and moves or waits as referencedTableOutcome says (a skipped one holds nothing back in
 * replica mode on OLD).
 */
function inFkOrder(
  names: readonly string[],
  waitsFor: ReadonlyMap<string, readonly string[]>,
  caps: ReplicaCapability,
  deps: MigrateDeps,
  move: (name: string) => Promise<TableResult>,
): Promise<TableResult[]> {
  const running = new Map<string, Promise<TableResult>>();
  const schedule = (name: string): Promise<TableResult> => {
    const existing = running.get(name);
    if (existing) return existing;
    const p = (async () => {
      const outcome = referencedTableOutcome(await Promise.all((waitsFor.get(name) ?? []).map(schedule)), caps.old);
      if (!outcome.moves) {
        const blocked = outcome.blockedBy;
        return {
          table: name,
          status: 'not-run' as const,
          rows: 0,
          seconds: 0,
          reason: `waits for ${blocked.table}, which ${blocked.status === 'stopped' ? 'was stopped' : 'did not finish'}`,
        };
      }
      for (const d of outcome.staying) {
        deps.log({
          level: 'info',
          message: `${name} moves although ${d.table}, which references it, stays on OLD (skipped): the movers' deletes on OLD fire no FK check or action there (session_replication_role = replica), so its rows on OLD stay as they are`,
        });
      }
      return move(name);
    })();
    running.set(name, p);
    return p;
  };
  return Promise.all(names.map(schedule));
}

/** Moves one table (or says why it does not): its result, never a throw. */
async function moveOneTable(run: MoveRun, t: TableModel): Promise<TableResult> {
  const { config, deps, pids, pool, limit } = run;
  const name = qualifiedName(t);
  const started = Date.now();
  if (!moveKey(t))
    return {
      table: name,
      status: 'skipped',
      rows: 0,
      seconds: 0,
      reason:
        'no primary key or unique key over NOT NULL columns: migrate cannot move it (docs/SUPPORT.md); add a primary key on OLD and NEW, or leave it out of init-new',
    };
  const refused = run.hazards.get(name) ?? [];
  if (refused.length) return { table: name, status: 'skipped', rows: 0, seconds: 0, reason: refused.join('; ') };
  const sql = buildMoveSql(t, { binary: binaryCopyEligible(t, run.newTables.get(name)) });
  const context = (c: Mover) => ({
    conns: { old: c.old, new: c.new, ownPids: () => [...pids] },
    sql,
    store: run.store,
    stateSchema: config.stateSchema,
    schema: t.schema,
    table: t.name,
    lockTimeoutMs: config.lockTimeoutMs,
    drainTimeoutMs: config.drainTimeoutMs,
  });
  let begun = false;
  // Each pipe takes a worker slot and two movers (finisher, copier) of its own.
  const runPipe: RunPipe = (fn) =>
    limit(async () => {
      if (!begun) {
        begun = true;
        deps.onEvent?.({ kind: 'table-start', table: name });
      }
      return pool.withTwo((finisher, copier) => fn({ finisher: context(finisher), copier: context(copier) }));
    });
  try {
    const outcome = await moveTable(runPipe, {
      // An explicit batch size is used as given; none: small while the application is busy, larger
      // while yieldTo finds it quiet (without yieldTo, moveTable uses batchSize throughout).
      batchSize: config.batchSize ?? AUTO_BATCH.busy,
      quietBatchSize: config.batchSize ?? AUTO_BATCH.quiet,
      maxSegments: config.concurrency,
      maxRowsPerSecond: config.maxRowsPerSecond,
      signal: deps.signal,
      yieldTo: run.yieldTo,
      onBatch: (p) => deps.onEvent?.({ kind: 'batch', table: name, moved: p.moved, total: p.total }),
      onNote: (m) => deps.log({ level: 'warn', message: m }),
    });
    deps.onEvent?.({ kind: 'table-done', table: name, moved: outcome.moved });
    return { table: name, status: outcome.status, rows: outcome.moved, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    const reason =
      err instanceof LostServer
        ? `lost the connection to ${err.sides.join(' and ')} (${describe(err.cause)}); when ${err.sides.join(' and ')} is back, re-run migrate: it finishes the batch in flight`
        : describe(err);
    return { table: name, status: 'failed', rows: 0, seconds: (Date.now() - started) / 1000, reason };
  }
}
