/**
 * The cross-server deadlock guard (docs/PROTOCOL.md, "Deadlocks across the two servers"): while
 * rows of a table may live on both servers, an application transaction holds locks on NEW and,
 * through postgres_fdw, on OLD; two such transactions that lock in opposite orders can wait for
 * each other across the servers, where neither server's deadlock detector sees the cycle. The
 * guard reads both servers' lock waits a few times a second (plan/wait-graph.ts joins them),
 * and breaks a cycle it has seen twice in a row by cancelling the youngest transaction's
 * waiting statement. PostgreSQL offers no way to fail it with 40P01: it fails with 57014
 * (query_canceled), as under a statement_timeout; its transaction is aborted and a retry is
 * safe. One guard at a time per NEW database (an advisory lock).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { loadSql } from '../introspect/load-sql.js';
import {
  crossServerCycles,
  describeCycle,
  FDW_APPLICATION_NAME,
  GUARD_MIN_NEW_VERSION,
  waitEdges,
  type Cycle,
  type Node,
  type SessionRow,
} from '../plan/wait-graph.js';
import { ident, literal } from '../sql/quote.js';
import { closeClients, connectBoth, type Deps } from './connections.js';

/**
 * The guard's sessions' application_name. Its statements read only the activity views, never a
 * migrated table, and hold no snapshot between looks: migrate's drain and its yielding to the
 * application leave them out.
 */
export const GUARD_APPLICATION_NAME = 'fdwmig guard';

/** How often the guard looks: a cycle seen twice is broken within about twice this. */
export const GUARD_INTERVAL_MS = 400;

/** The guard's advisory lock on NEW: one guard per NEW database, in migrate or alone. */
const GUARD_LOCK_SQL = `SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('fdwmig:guard:' || pg_catalog.current_database())) AS ok`;

/** Tries of the guard's lock after a reconnection, 200 ms apart. */
const LOCK_TRIES_AFTER_RECONNECT = 10;

/** Cancels the waiter only if it still waits for that session: never a statement that moved on. */
const CANCEL_SQL = `SELECT pg_catalog.pg_cancel_backend(pid) AS cancelled
  FROM pg_catalog.pg_stat_activity
 WHERE pid = $1 AND wait_event_type = 'Lock' AND $2::int = ANY (pg_catalog.pg_blocking_pids(pid))`;

export interface GuardReport {
  /** Cross-server cycles broken. */
  cancelled: number;
  /** Looks taken. */
  looks: number;
}

export type GuardStart =
  | { status: 'running'; guard: DeadlockGuard }
  /** Another guard holds the lock. */
  | { status: 'busy' }
  /** NEW is older than 15. */
  | { status: 'unsupported'; newVersion: number }
  /** NEW has no foreign server of that name: init-new has not run. */
  | { status: 'no-server' };

interface Servers {
  oldDb: pg.Client;
  newDb: pg.Client;
}

/** A running guard; stop() ends it and says what it did. */
export class DeadlockGuard {
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly report: GuardReport = { cancelled: 0, looks: 0 };
  /** Cycles seen on the last look, by key: a cycle is broken on its second sighting. */
  private pending = new Set<string>();

  private constructor(
    private servers: Servers,
    private readonly deps: Deps,
    private readonly urls: { oldUrl: string; newUrl: string },
    private readonly intervalMs: number,
  ) {
    this.done = this.loop();
  }

  /**
   * Connects to both servers, makes postgres_fdw's sessions on OLD carry NEW's pid (the foreign
   * server's application_name option; new sessions only), takes the guard's lock and starts
   * looking.
   */
  static async start(
    deps: Deps,
    o: { oldUrl: string; newUrl: string; serverName: string; intervalMs?: number },
  ): Promise<GuardStart> {
    const [oldDb, newDb] = await connectBoth(deps, o, GUARD_APPLICATION_NAME);
    try {
      const version = Number((await newDb.query<{ v: string }>('SHOW server_version_num')).rows[0]!.v);
      if (version < GUARD_MIN_NEW_VERSION) {
        await closeClients(oldDb, newDb);
        return { status: 'unsupported', newVersion: version };
      }
      if (!(await newDb.query<{ ok: boolean }>(GUARD_LOCK_SQL)).rows[0]!.ok) {
        await closeClients(oldDb, newDb);
        return { status: 'busy' };
      }
      if (!(await nameFdwSessions(newDb, o.serverName))) {
        await closeClients(oldDb, newDb);
        return { status: 'no-server' };
      }
      return {
        status: 'running',
        guard: new DeadlockGuard({ oldDb, newDb }, deps, o, o.intervalMs ?? GUARD_INTERVAL_MS),
      };
    } catch (err) {
      await closeClients(oldDb, newDb);
      throw err;
    }
  }

  async stop(): Promise<GuardReport> {
    this.stopped = true;
    await this.done;
    await closeClients(this.servers.newDb, this.servers.oldDb);
    return { ...this.report };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.look();
      } catch (err) {
        // A server gone for a while (a restart): look again on new connections once it is back;
        // a guard never stops a migration.
        this.deps.log({ level: 'warn', message: `guard: could not read lock waits (${(err as Error).message})` });
        await delay(this.intervalMs * 5);
        if (!this.stopped && !(await this.reconnect())) return;
      }
      if (!this.stopped) await delay(this.intervalMs);
    }
  }

  /**
   * New connections after a failed look, and the guard's lock again (a restarted NEW released
   * it). False when another guard took the lock meanwhile: this one then ends.
   */
  private async reconnect(): Promise<boolean> {
    try {
      const [oldDb, newDb] = await connectBoth(this.deps, this.urls, GUARD_APPLICATION_NAME);
      const old = this.servers;
      this.servers = { oldDb, newDb };
      await closeClients(old.newDb, old.oldDb);
      // The old session's lock goes when its backend exits, a moment after the socket closes.
      for (let i = 0; i < LOCK_TRIES_AFTER_RECONNECT; i++) {
        if ((await newDb.query<{ ok: boolean }>(GUARD_LOCK_SQL)).rows[0]!.ok) return true;
        await delay(200);
      }
      this.deps.log({
        level: 'warn',
        message: 'guard: another fdwmig guard took over this NEW database; this one ends',
      });
      return false;
    } catch {
      return true; // Not back yet: the next look fails and tries again.
    }
  }

  private async look(): Promise<void> {
    const [newRows, oldRows] = await Promise.all([readSessions(this.servers.newDb), readSessions(this.servers.oldDb)]);
    this.report.looks++;
    const starts = new Map<Node, Date | null>();
    for (const r of newRows) starts.set(`NEW:${r.pid}`, r.xactStart);
    for (const r of oldRows) if (!starts.has(`OLD:${r.pid}`)) starts.set(`OLD:${r.pid}`, r.xactStart);
    const cycles = crossServerCycles(waitEdges(newRows, oldRows), starts);
    const seen = new Set<string>();
    for (const c of cycles) {
      const key = describeCycle(c);
      seen.add(key);
      if (this.pending.has(key)) await this.breakCycle(c);
    }
    this.pending = seen;
  }

  private async breakCycle(c: Cycle): Promise<void> {
    const v = c.victim;
    const db = v.side === 'NEW' ? this.servers.newDb : this.servers.oldDb;
    let cancelled: boolean;
    try {
      cancelled =
        (await db.query<{ cancelled: boolean }>(CANCEL_SQL, [v.waiterPid, v.holderPid])).rows[0]?.cancelled ?? false;
    } catch (err) {
      // 42501 without pg_signal_backend for another role's session: said once per cycle, not fatal.
      this.deps.log({
        level: 'warn',
        message: `guard: deadlock across OLD and NEW (${describeCycle(c)}) not broken: ${(err as Error).message} (fdwmig check names the privilege)`,
      });
      return;
    }
    if (!cancelled) return;
    this.report.cancelled++;
    this.deps.log({
      level: 'warn',
      message: `guard: deadlock across OLD and NEW (${describeCycle(c)}); cancelled the statement of ${v.from} waiting on ${v.side} (pid ${v.waiterPid}): the application sees 57014 and may retry the transaction`,
      data: { cycle: c.edges, victim: v },
    });
  }
}

async function readSessions(db: pg.Client): Promise<SessionRow[]> {
  const r = await db.query<{ pid: number; application_name: string; xact_start: Date | null; blocked_by: number[] }>(
    loadSql('guard-sessions'),
  );
  return r.rows.map((x) => ({
    pid: x.pid,
    applicationName: x.application_name,
    xactStart: x.xact_start,
    blockedBy: x.blocked_by,
  }));
}

/**
 * The foreign server's application_name option: postgres_fdw then names each session it opens
 * on OLD after NEW's backend (`%p`). Sessions already open keep their name until they reconnect.
 */
async function nameFdwSessions(newDb: pg.Client, serverName: string): Promise<boolean> {
  const r = await newDb.query<{ value: string | null }>(
    `SELECT (SELECT option_value FROM pg_catalog.pg_options_to_table(s.srvoptions) WHERE option_name = 'application_name') AS value
       FROM pg_catalog.pg_foreign_server s WHERE s.srvname = $1`,
    [serverName],
  );
  const row = r.rows[0];
  if (!row) return false;
  if (row.value === FDW_APPLICATION_NAME) return true;
  const action = row.value === null ? 'ADD' : 'SET';
  await newDb.query(
    `ALTER SERVER ${ident(serverName)} OPTIONS (${action} application_name ${literal(FDW_APPLICATION_NAME)})`,
  );
  return true;
}
