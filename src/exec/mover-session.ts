/**
 * The mover's own connections to OLD and NEW: settings every batch relies on (docs/PROTOCOL.md).
 */
import type pg from 'pg';
import { PreflightError, isDatabaseError, type ServerSide } from '../errors.js';

/** Text COPY between different majors is exact only when both sides print values alike. */
const SESSION_SETTINGS = [
  'SET synchronous_commit = on',
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET TimeZone = 'UTC'",
  "SET bytea_output = 'hex'",
  "SET search_path = pg_catalog",
  'SET statement_timeout = 0',
  'SET idle_in_transaction_session_timeout = 0',
];

/**
 * Prepares a mover connection. session_replication_role = replica keeps OLD's FK actions and
 * user triggers from firing on fdwmig's deletes, and NEW's user triggers from rewriting moved rows.
 */
export async function prepareMoverSession(db: pg.Client, side: ServerSide): Promise<void> {
  for (const s of SESSION_SETTINGS) await db.query(s);
  try {
    await db.query("SET session_replication_role = 'replica'");
  } catch (err) {
    if (!isDatabaseError(err) || err.code !== '42501') throw err;
    throw new PreflightError(`fdwmig's role on ${side} may not set session_replication_role, which keeps ${side === 'OLD' ? "OLD's FK actions and triggers from firing on moved rows' deletes" : "NEW's triggers from rewriting moved rows"}`, {
      hint: `on ${side}: GRANT SET ON PARAMETER session_replication_role TO <role> (PostgreSQL 15+), or use a superuser (rds_superuser on RDS)`,
      cause: err,
    });
  }
}
