/**
 * Removing the replication mode's objects, each only if it exists (so every caller is
 * idempotent): the subscription on NEW first, so nothing streams any more, then its slots on
 * OLD, then the publication. Shared by cleanup, switchover and the undo of a failed start.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { FdwmigError, isDatabaseError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import type { Plan } from '../plan/step.js';
import type { ReplicationDeps } from './deps.js';
import { DROP_SLOT_SQL, planDropPublication, planDropSubscription, type ReplicationNames } from './plan-replication.js';

/** After this long a walsender still holding one of our slots is ended (its subscription is gone). */
const TERMINATE_AFTER_MS = 2_000;
/** Then give up, naming the process. */
const SLOT_RELEASE_TIMEOUT_MS = 15_000;
const POLL_MS = 25;

type Deps = Pick<ReplicationDeps, 'now' | 'sleep' | 'log'>;

function plan(title: string, steps: Plan['steps']): Plan {
  return Object.freeze({ title, steps });
}

/** The oid of fdwmig's subscription in NEW's current database, or null. */
export async function findSubscription(newDb: pg.Client, names: ReplicationNames): Promise<number | null> {
  const r = await newDb.query<{ oid: string }>(
    `SELECT s.oid::int8::text AS oid FROM pg_catalog.pg_subscription s
      JOIN pg_catalog.pg_database d ON d.oid = s.subdbid WHERE d.datname = pg_catalog.current_database() AND s.subname = $1`,
    [names.subscription],
  );
  return r.rows[0] ? Number(r.rows[0].oid) : null;
}

/** Disables, detaches and drops the subscription if it exists; returns its oid (for its table-sync slots). */
export async function dropSubscription(
  newDb: pg.Client,
  names: ReplicationNames,
  config: Config,
): Promise<number | null> {
  const oid = await findSubscription(newDb, names);
  if (oid === null) return null;
  await runPlan(newDb, plan('drop subscription', [planDropSubscription(names)]), {
    lockTimeoutMs: config.lockTimeoutMs,
    retryForMs: config.lockRetryMs,
    retries: config.ddlRetries,
  });
  return oid;
}

/**
 * Drops the slot and, with the subscription's oid, the table-sync slots NEW left while copying
 * (`pg_<oid>_sync_...`). Waits for OLD's walsenders to let go of them; returns the names dropped.
 */
export async function dropSlots(
  oldDb: pg.Client,
  names: ReplicationNames,
  subOid: number | null,
  deps: Deps,
): Promise<string[]> {
  const syncPattern = subOid === null ? null : `pg\\_${subOid}\\_sync\\_%`;
  const started = deps.now();
  const dropped: string[] = [];
  for (;;) {
    const slots = (
      await oldDb.query<{ slot_name: string; active: boolean; active_pid: number | null }>(
        `SELECT slot_name, active, active_pid FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 OR slot_name LIKE $2`,
        [names.slot, syncPattern],
      )
    ).rows;
    if (!slots.length) return dropped;
    for (const s of slots.filter((x) => !x.active)) {
      const r = await oldDb.query(DROP_SLOT_SQL, [s.slot_name]).catch((err: unknown) => {
        // Taken again or dropped meanwhile: the next round sees which.
        if (isDatabaseError(err) && (err.code === '55006' || err.code === '42704')) return { rowCount: 0 };
        throw err;
      });
      if (r.rowCount) dropped.push(s.slot_name);
    }
    const held = slots.filter((x) => x.active);
    const waited = deps.now() - started;
    if (waited > SLOT_RELEASE_TIMEOUT_MS) {
      throw new FdwmigError(
        `replication slot(s) ${slots.map((s) => `${s.slot_name}${s.active ? ` (in use by PID ${s.active_pid})` : ''}`).join(', ')} could not be dropped on OLD`,
        {
          code: 'SLOT_BUSY',
          exitCode: 1,
          hint: 'another subscriber streams from it: find it with SELECT * FROM pg_stat_replication on OLD, stop it, and run fdwmig replicate cleanup',
        },
      );
    }
    if (held.length && waited > TERMINATE_AFTER_MS) {
      await oldDb.query(
        `SELECT pg_catalog.pg_terminate_backend(active_pid) FROM pg_catalog.pg_replication_slots WHERE active AND (slot_name = $1 OR slot_name LIKE $2)`,
        [names.slot, syncPattern],
      );
    }
    if (held.length) await deps.sleep(POLL_MS);
  }
}

export async function dropPublication(oldDb: pg.Client, names: ReplicationNames, config: Config): Promise<boolean> {
  const r = await oldDb.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [names.publication]);
  if (!r.rowCount) return false;
  await runPlan(oldDb, plan('drop publication', [planDropPublication(names)]), {
    lockTimeoutMs: config.lockTimeoutMs,
    retryForMs: config.lockRetryMs,
    retries: config.ddlRetries,
  });
  return true;
}

/** Everything that exists of the three, on the servers given; returns what was dropped, one line each. */
export async function dropReplicationObjects(
  oldDb: pg.Client | null,
  newDb: pg.Client | null,
  names: ReplicationNames,
  config: Config,
  deps: Deps,
): Promise<string[]> {
  const done: string[] = [];
  const subOid = newDb ? await dropSubscription(newDb, names, config) : null;
  if (subOid !== null) done.push(`NEW: subscription ${names.subscription}`);
  if (oldDb) {
    // After a switchover fdwmig's own role may be one it made read-only in OLD's database.
    await oldDb.query('SET default_transaction_read_only = off');
    for (const s of await dropSlots(oldDb, names, subOid, deps)) done.push(`OLD: replication slot ${s}`);
    if (await dropPublication(oldDb, names, config)) done.push(`OLD: publication ${names.publication}`);
  }
  return done;
}
