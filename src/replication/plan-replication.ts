/**
 * The replication mode's DDL as plans: publication and slot on OLD, subscription on NEW, and
 * their removal. Pure; every name is quoted by src/sql/quote.ts, the slot name travels as $1.
 */
import type { Config } from '../config/schema.js';
import { step, type Plan, type Step } from '../plan/step.js';
import { ident, literal, qualified } from '../sql/quote.js';
import type { SubscriptionConninfo } from './conninfo.js';
import { qualifiedName } from '../introspect/model.js';

/** The names of fdwmig's replication objects (slot names are per server, the others per database). */
export interface ReplicationNames {
  publication: string;
  subscription: string;
  slot: string;
}

/** How the rows present at the start reach NEW. */
export type CopyMode = 'copy-data' | 'snapshot';

export interface PublishedTable {
  schema: string;
  name: string;
}

export function replicationNames(
  config: Pick<Config, 'publicationName' | 'subscriptionName' | 'slotName'>,
): ReplicationNames {
  return { publication: config.publicationName, subscription: config.subscriptionName, slot: config.slotName };
}

/** CREATE PUBLICATION ... FOR TABLE ONLY each table: an inheritance child is published only when selected itself. */
export function planPublication(names: ReplicationNames, tables: readonly PublishedTable[]): Step {
  const list = tables.map((t) => `ONLY ${qualified(t.schema, t.name)}`).join(', ');
  return step({
    id: `publication:${names.publication}`,
    description: `on OLD: publish changes to ${tables.length} table(s)`,
    sql: [`CREATE PUBLICATION ${ident(names.publication)} FOR TABLE ${list}`],
    takesLocks: true,
  });
}

/** A logical slot on OLD from which NEW's subscription will stream (it keeps WAL from now on). */
export function planCreateSlot(names: ReplicationNames): Step {
  return step({
    id: `slot:${names.slot}`,
    description: 'on OLD: create the logical replication slot (waits for transactions running now to end)',
    sql: [`SELECT pg_catalog.pg_create_logical_replication_slot($1, 'pgoutput')`],
    params: [names.slot],
    takesLocks: false,
  });
}

/** CREATE SUBSCRIPTION on the existing slot; copy_data says whether NEW's table sync copies the rows. */
export function planSubscription(names: ReplicationNames, conninfo: SubscriptionConninfo, mode: CopyMode): Step {
  const sql = (
    conn: string,
  ) => `CREATE SUBSCRIPTION ${ident(names.subscription)} CONNECTION ${literal(conn)} PUBLICATION ${ident(names.publication)}
  WITH (create_slot = false, slot_name = ${literal(names.slot)}, copy_data = ${mode === 'copy-data'})`;
  return step({
    id: `subscription:${names.subscription}`,
    description:
      mode === 'copy-data'
        ? 'on NEW: subscribe; NEW copies each table, then streams the changes'
        : "on NEW: subscribe without copying (the rows came from the slot's snapshot); stream the changes since",
    sql: [sql(conninfo.printable)],
    secretSql: [sql(conninfo.secret)],
    takesLocks: false,
  });
}

/**
 * Detach the subscription from its slot, then drop it: DROP SUBSCRIPTION would otherwise drop
 * the slot over a connection to OLD, and fail while OLD's walsender still holds the slot. The
 * slot is dropped on OLD afterwards ({@link DROP_SLOT_SQL}).
 */
export function planDropSubscription(names: ReplicationNames): Step {
  const sub = ident(names.subscription);
  return step({
    id: `drop-subscription:${names.subscription}`,
    description: 'on NEW: stop and drop the subscription (its slot is dropped on OLD next)',
    sql: [
      `ALTER SUBSCRIPTION ${sub} DISABLE`,
      `ALTER SUBSCRIPTION ${sub} SET (slot_name = NONE)`,
      `DROP SUBSCRIPTION ${sub}`,
    ],
    takesLocks: false,
  });
}

/**
 * Before the write pause: NEW's apply worker commits with synchronous_commit = off by default, and
 * reports a position as flushed only after NEW's WAL writer flushed it and the worker woke again
 * (up to twice wal_writer_delay). With on, it confirms each transaction as it applies it, so
 * waiting for lag 0 inside the pause takes milliseconds.
 */
export function planConfirmPromptly(names: ReplicationNames): Step {
  return step({
    id: `synchronous-commit:${names.subscription}`,
    description: 'on NEW: the apply worker flushes each transaction it applies, so NEW confirms positions at once',
    sql: [`ALTER SUBSCRIPTION ${ident(names.subscription)} SET (synchronous_commit = 'on')`],
    takesLocks: false,
  });
}

export function planDropPublication(names: ReplicationNames): Step {
  return step({
    id: `drop-publication:${names.publication}`,
    description: 'on OLD: drop the publication',
    sql: [`DROP PUBLICATION IF EXISTS ${ident(names.publication)}`],
    takesLocks: true,
  });
}

/** Drops the slot if it exists and no walsender holds it ($1: slot name); idempotent. */
export const DROP_SLOT_SQL = `SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active`;

/** REFRESH MATERIALIZED VIEW for each, after the rows are in. */
export function planRefreshViews(views: readonly PublishedTable[]): Step[] {
  return views.map((v) =>
    step({
      id: `refresh:${qualifiedName(v)}`,
      description: `on NEW: refresh materialized view ${qualifiedName(v)}`,
      sql: [`REFRESH MATERIALIZED VIEW ${qualified(v.schema, v.name)}`],
      takesLocks: true,
    }),
  );
}

/** The plan `replicate start` runs, in order, per server, for --dry-run and for execution. */
export function planStart(
  names: ReplicationNames,
  tables: readonly PublishedTable[],
  conninfo: SubscriptionConninfo,
  mode: CopyMode,
): { old: Plan; new: Plan } {
  const oldSteps =
    mode === 'copy-data' ? [planPublication(names, tables), planCreateSlot(names)] : [planPublication(names, tables)];
  return {
    old: Object.freeze({ title: 'fdwmig replicate start (OLD)', steps: Object.freeze(oldSteps) }),
    new: Object.freeze({
      title: 'fdwmig replicate start (NEW)',
      steps: Object.freeze([planSubscription(names, conninfo, mode)]),
    }),
  };
}
