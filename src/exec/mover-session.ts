/**
 * The mover's own connections to OLD and NEW: settings every batch relies on (docs/PROTOCOL.md).
 */
import type pg from 'pg';
import { isDatabaseError } from '../errors.js';

/**
 * How a session prints values: the same on OLD and NEW, whatever their majors and defaults, so
 * that text COPY between them is exact and a key or row read on one compares as text with the
 * other's (migrate records keys under these; verify compares under them).
 */
export const VALUE_FORMAT_SETTINGS: readonly string[] = [
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET TimeZone = 'UTC'",
  "SET bytea_output = 'hex'",
];

const SESSION_SETTINGS = [
  'SET synchronous_commit = on',
  ...VALUE_FORMAT_SETTINGS,
  'SET search_path = pg_catalog',
  'SET statement_timeout = 0',
  'SET idle_in_transaction_session_timeout = 0',
];

/** Whether this role may SET session_replication_role here (superuser, or granted on 15+). */
export async function canUseReplicaRole(db: pg.Client): Promise<boolean> {
  try {
    await db.query("SET session_replication_role = 'replica'");
    await db.query('RESET session_replication_role');
    return true;
  } catch (err) {
    if (isDatabaseError(err) && err.code === '42501') return false;
    throw err;
  }
}

/**
 * Prepares a mover connection. With replica, session_replication_role = replica keeps OLD's FK
 * actions and ordinary triggers from firing on fdwmig's deletes, and NEW's from rewriting moved
 * rows; without it, migrate has refused every table where that would matter (trigger-hazards.ts).
 */
export async function prepareMoverSession(db: pg.Client, replica: boolean): Promise<void> {
  // One round trip (a multi-statement simple query runs as one implicit transaction: all or none).
  await db.query([...SESSION_SETTINGS, ...(replica ? ["SET session_replication_role = 'replica'"] : [])].join(';\n'));
}
