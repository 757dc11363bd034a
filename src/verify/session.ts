/**
 * verify's connections: read-only, and printing values the same way on OLD and NEW, so the text
 * of a key or a row is comparable across majors (the settings of src/exec/mover-session.ts,
 * under which migrate records keys; without session_replication_role, which verify never needs).
 */
import type { Queryable } from '../sql/queryable.js';

const VERIFY_SETTINGS = [
  'SET default_transaction_read_only = on',
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET TimeZone = 'UTC'",
  "SET bytea_output = 'hex'",
  'SET statement_timeout = 0',
];

export async function prepareVerifySession(db: Queryable): Promise<void> {
  for (const s of VERIFY_SETTINGS) await db.query(s);
}
