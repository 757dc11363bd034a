/**
 * DDL that must carry a password (CREATE USER MAPPING ... password '...') cannot take a bind
 * parameter, and a statement's text reaches the server log under log_statement = ddl or all,
 * and when it fails. So it is run by a session-local plpgsql function whose argument is the
 * DDL: the logged statement is `SELECT pg_temp.fdwmig_secret_ddl($1)`, and where the role may,
 * bind parameters are kept out of the log too. Must run inside a transaction.
 */
import type { Queryable } from '../sql/queryable.js';

const RUNNER = `CREATE OR REPLACE FUNCTION pg_temp.fdwmig_secret_ddl(ddl text) RETURNS void
LANGUAGE plpgsql AS $fdwmig$ BEGIN EXECUTE ddl; END $fdwmig$`;

export async function runSecretDdl(db: Queryable, ddl: string): Promise<void> {
  await db.query(RUNNER);
  // log_parameter_max_length (13+) is a superuser setting: best effort, in a savepoint.
  await db.query('SAVEPOINT fdwmig_quiet');
  try {
    await db.query('SET LOCAL log_parameter_max_length = 0');
    await db.query('RELEASE SAVEPOINT fdwmig_quiet');
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT fdwmig_quiet');
  }
  await db.query('SELECT pg_temp.fdwmig_secret_ddl($1)', [ddl]);
}
