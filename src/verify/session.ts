/**
 * verify's connections: read-only, and printing values the same way on OLD and NEW, so the text
 * of a key or a row is comparable across majors (the settings under which migrate records keys;
 * without session_replication_role, which verify never needs).
 */
import { VALUE_FORMAT_SETTINGS } from '../exec/mover-session.js';
import type { Queryable } from '../sql/queryable.js';

const VERIFY_SETTINGS = [
  'SET default_transaction_read_only = on',
  ...VALUE_FORMAT_SETTINGS,
  'SET statement_timeout = 0',
];

export async function prepareVerifySession(db: Queryable): Promise<void> {
  for (const s of VERIFY_SETTINGS) await db.query(s);
}
